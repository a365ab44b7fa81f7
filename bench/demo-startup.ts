/**
 * Demo start-up: spawns the built `telltale demo` (fresh data dir, free ports) N times and measures
 *   - first good sample: the demo's own report, ms from the start of the command to the first good value;
 *   - healthz: ms from spawn (incl. Node.js boot) until /healthz shows every device connected with samples;
 *   - stop: ms from SIGTERM to exit (and the exit code).
 * Where Debian's influxd and mosquitto are installed the demo starts its private instances too (in parallel with the
 * simulator, before the gateway): their start and stop are part of these times, as for a user.
 *   npm run build && ./node_modules/.bin/node bench/demo-startup.ts [runs=5]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/ports.ts';

const runs = Number(process.argv[2] ?? 5);
const repo = fileURLToPath(new URL('..', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** /healthz lists the devices only for a caller with an API token. */
const TOKEN = 'bench-demo-startup-token';

async function once(): Promise<{ first: number; healthz: number; stop: number; code: number | null }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-bench-demo-'));
  const [api, editor, modbus, opcua] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const t0 = performance.now();
  const child = spawn(join(repo, 'node_modules/.bin/node'), ['bin/telltale.js', 'demo', '--api-port', `${api}`, '--editor-port', `${editor}`,
    '--data-dir', dataDir, '--sim-modbus-port', `${modbus}`, '--sim-opcua-port', `${opcua}`], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TELLTALE_API_TOKENS: TOKEN } });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    let healthz = 0;
    for (const deadline = t0 + 60_000; performance.now() < deadline && !healthz; await sleep(20)) {
      try {
        const body = (await (await fetch(`http://127.0.0.1:${api}/healthz`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { detail: { devices: { connected: boolean; samples: number }[] } };
        if (body.detail.devices.length >= 2 && body.detail.devices.every((d) => d.connected && d.samples > 0)) healthz = performance.now() - t0;
      } catch { /* not listening yet */ }
    }
    for (const deadline = performance.now() + 10_000; !/First good sample/.test(out) && performance.now() < deadline;) await sleep(20);
    const first = Number(/First good sample .* (\d+) ms after start/.exec(out)?.[1] ?? NaN);
    const s = performance.now();
    child.kill('SIGTERM');
    const code = await exited;
    return { first, healthz, stop: performance.now() - s, code };
  } finally {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results = [];
for (let i = 0; i < runs; i++) {
  const r = await once();
  results.push(r);
  console.log(`run ${i + 1}: first good sample ${r.first} ms · /healthz all devices with samples ${Math.round(r.healthz)} ms after spawn · stop ${Math.round(r.stop)} ms (exit ${r.code})`);
}
console.log(`median of ${runs}: first good sample ${median(results.map((r) => r.first))} ms · healthz ${Math.round(median(results.map((r) => r.healthz)))} ms · stop ${Math.round(median(results.map((r) => r.stop)))} ms`);
