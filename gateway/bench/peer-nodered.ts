/**
 * Stock Node-RED as the bench's peer: `node node_modules/node-red/red.js -u <tmp userDir> -p <port> -s settings.js
 * flows.json` in a child process (the same Node as ours; no Telltale nodes: the palette is Node-RED's core nodes
 * plus the two contrib packages found beside node-red in node_modules), and one measured step of it:
 * values/s counted in its function node, its CPU (/proc/<pid>/stat utime + stime), its RSS (/proc/<pid>/status
 * VmRSS, the most seen), data age, the modbus-client queues, points landed in InfluxDB, and the lines it logged
 * at warn or error (none while the queue grows = a silent failure).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../core/package-root.ts';
import { startSimulatorChild } from './peers.ts';
import { buildPeerFlow, type PeerStats, type PeerVariant } from './peer-flow.ts';
import type { StepSpec } from './report.ts';

export { buildPeerFlow, type PeerFlow, type PeerFlowOptions, type PeerStats, type PeerVariant } from './peer-flow.ts';

export interface PeerStepResult {
  step: string;
  variant: PeerVariant;
  readers: number;
  clients: number;
  seconds: number;
  targetValuesPerS: number;
  valuesPerS: number;
  cpuPct: number;
  /** Values read per CPU-second of the Node-RED process. */
  valuesPerCpuS: number;
  rssStartMB: number;
  rssMaxMB: number;
  /** p99 / max of now − the second the read was queued (upper bounds: the request id has 1 s resolution). */
  dataAgeP99Ms: number;
  dataAgeMaxMs: number;
  /** Requests waiting in the modbus-client queues (summed) at the start and end of the measurement, and the most seen. */
  queueStart: number;
  queueEnd: number;
  queueMax: number;
  /** Age of the oldest queued request at the end (upper bound, 1 s resolution). */
  oldestQueuedMs: number;
  /** Feature values (mean and std fields) with a timestamp in the measurement that were in InfluxDB 2 s after it, per second. */
  influxFeatureValuesPerS: number;
  /** What the values read should have produced: 2 fields per value per window. */
  expectedFeatureValuesPerS: number;
  /** Lines Node-RED logged at warn or error during the measurement, and the first few. */
  logLines: number;
  log: string[];
  /** ok: ≥ 95 % of the target and the queues not growing; behind: not, and said so in its log; behind, silent: not, and logged nothing. */
  status: 'ok' | 'behind' | 'behind, silent';
}

export interface PeerStepContext {
  influxUrl: string;
  seconds: number;
  variant: PeerVariant;
  onProgress?: (fraction: number) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = 100; // USER_HZ on Linux

/** utime + stime of a process in seconds, from /proc/<pid>/stat. */
export function procCpuSeconds(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

/** VmRSS of a process in MiB, from /proc/<pid>/status. */
export function procRssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function influxQuery(url: string, q: string, db?: string): Promise<{ results: { series?: { columns: string[]; values: unknown[][] }[]; error?: string }[] }> {
  const res = await fetch(`${url}/query?${new URLSearchParams({ q, ...(db ? { db } : {}), epoch: 'ms' })}`, { method: 'POST' });
  if (!res.ok) throw new Error(`InfluxDB ${q}: HTTP ${res.status} ${await res.text()}`);
  return res.json() as Promise<{ results: { series?: { columns: string[]; values: unknown[][] }[]; error?: string }[] }>;
}

export interface NodeRedPeer {
  readonly pid: number;
  readonly url: string;
  /** Lines logged at warn/error so far. */
  readonly log: string[];
  stats(timeoutMs?: number): Promise<PeerStats>;
  stop(): Promise<void>;
}

/** Writes settings.js and flows.json to a temp userDir and starts stock Node-RED on a free loopback port. */
export async function startNodeRedPeer(flow: Record<string, unknown>[], statsPath: string): Promise<NodeRedPeer> {
  const { freePort } = await import(pathToFileURL(join(packageRoot, 'test', 'support', 'ports.ts')).href) as { freePort(): Promise<number> };
  const port = await freePort();
  const userDir = mkdtempSync(join(tmpdir(), 'telltale-peer-nodered-'));
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flow));
  // Stock settings but loopback only, no telemetry (no network), warnings and errors only on the console.
  writeFileSync(join(userDir, 'settings.js'), `module.exports = {
  uiHost: '127.0.0.1',
  flowFile: 'flows.json',
  credentialSecret: false,
  telemetry: { enabled: false },
  diagnostics: { enabled: false, ui: false },
  logging: { console: { level: 'warn', metrics: false, audit: false } },
  editorTheme: { tours: false },
};
`);
  const red = join(packageRoot, 'node_modules', 'node-red', 'red.js');
  const child: ChildProcess = spawn(process.execPath, [red, '-u', userDir, '-p', String(port), '-s', join(userDir, 'settings.js'), '--no-telemetry', 'flows.json'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: userDir });
  const log: string[] = [];
  let tail = '';
  const onData = (d: Buffer) => {
    tail += d.toString();
    const lines = tail.split('\n');
    tail = lines.pop() ?? '';
    for (const l of lines) if (/\[(warn|error)\]/.test(l) || /Error/.test(l)) log.push(l);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let exited: number | null = null;
  child.once('exit', (code) => { exited = code ?? -1; });
  const url = `http://127.0.0.1:${port}`;
  const stats = async (timeoutMs = 5000): Promise<PeerStats> => {
    const res = await fetch(`${url}${statsPath}`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`peer Node-RED ${statsPath}: HTTP ${res.status}`);
    const s = await res.json() as PeerStats | null;
    if (!s) throw new Error('peer Node-RED: the features function has not started');
    return s;
  };
  const stop = async (): Promise<void> => {
    if (exited === null) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(t);
    }
    rmSync(userDir, { recursive: true, force: true });
  };
  // Up once the stats endpoint answers and the features function has counted a read.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) {
      await stop();
      throw new Error(`peer Node-RED exited with code ${exited} before it was ready: ${log.slice(0, 3).join(' | ') || 'nothing logged'}`);
    }
    const s = await stats(2000).catch(() => undefined);
    if (s && s.values > 0) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`peer Node-RED read no value within 60 s: ${log.slice(0, 3).join(' | ') || 'nothing logged'}`);
    }
    await sleep(250);
  }
  return { pid: child.pid!, url, log, stats, stop };
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
const max = (r: Record<string, number>) => Math.max(0, ...Object.values(r));

/** p-th percentile of a histogram of 100 ms bins (bin index → count), ms at the bin's upper edge. */
function histPercentile(h: Map<number, number>, p: number): number {
  const total = [...h.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return NaN;
  let seen = 0;
  for (const bin of [...h.keys()].sort((a, b) => a - b)) {
    seen += h.get(bin)!;
    if (seen >= (p / 100) * total) return (bin + 1) * 100;
  }
  return NaN;
}

export async function runPeerStep(spec: StepSpec, ctx: PeerStepContext): Promise<PeerStepResult> {
  const name = `${spec.tags}x${spec.rate}`;
  const assets = Math.max(1, Math.round(spec.tags / spec.tagsPerAsset));
  const sim = await startSimulatorChild({ assets, tagsPerAsset: spec.tagsPerAsset, rate: spec.rate });
  const influx = new URL(ctx.influxUrl);
  const database = `peer_${name}_${ctx.variant.replace('-', '_')}`;
  let peer: NodeRedPeer | undefined;
  let phase = 'start';
  try {
    await influxQuery(ctx.influxUrl, `CREATE DATABASE "${database}"`);
    const pf = buildPeerFlow({ assets, tagsPerAsset: spec.tagsPerAsset, rate: spec.rate, simPort: sim.port, influx: { host: influx.hostname, port: Number(influx.port), database }, variant: ctx.variant });
    peer = await startNodeRedPeer(pf.flow, pf.statsPath);
    phase = 'warm-up';
    await sleep(3000); // connections up, first windows written
    phase = 'measure';
    const s0 = await peer.stats(30_000);
    const log0 = peer.log.length;
    const cpu0 = procCpuSeconds(peer.pid);
    const rssStart = procRssMB(peer.pid);
    const t0 = performance.now();
    const wall0 = Date.now();
    const ages = new Map<number, number>();
    let rssMax = rssStart;
    let queueMax = sum(s0.queue);
    let last = s0;
    let nextStats = 1000;
    while (performance.now() - t0 < ctx.seconds * 1000) {
      await sleep(250);
      const el = performance.now() - t0;
      rssMax = Math.max(rssMax, procRssMB(peer.pid));
      if (el >= nextStats) {
        nextStats += 1000;
        // A peer too busy to answer in 5 s is falling behind; its counters are read at the end.
        const s = await peer.stats().catch(() => undefined);
        if (s) {
          for (const [bin, n] of Object.entries(s.ages)) ages.set(Number(bin), (ages.get(Number(bin)) ?? 0) + n);
          queueMax = Math.max(queueMax, sum(s.queue));
          last = s;
        }
      }
      ctx.onProgress?.(Math.min(1, el / (ctx.seconds * 1000)));
    }
    const cpu1 = procCpuSeconds(peer.pid);
    const elapsed = (performance.now() - t0) / 1000;
    const wall1 = Date.now();
    const s1 = await peer.stats(30_000).catch(() => last);
    for (const [bin, n] of Object.entries(s1.ages)) ages.set(Number(bin), (ages.get(Number(bin)) ?? 0) + n);
    const logLines = peer.log.length - log0;
    await sleep(2000);
    const count = await influxQuery(ctx.influxUrl, `SELECT count(*) FROM features WHERE time >= ${wall0}ms AND time < ${wall1}ms`, database);
    const row = count.results[0]?.series?.[0]?.values[0] ?? [];
    const landed = row.slice(1).reduce((a: number, v) => a + (typeof v === 'number' ? v : 0), 0);
    const values = s1.values - s0.values;
    const valuesPerS = values / elapsed;
    const cpuS = cpu1 - cpu0;
    const target = spec.tags * spec.rate;
    const queueEnd = sum(s1.queue);
    const queueStart = sum(s0.queue);
    const behind = valuesPerS < 0.95 * target || queueEnd - queueStart > pf.readers;
    return {
      step: name, variant: ctx.variant, readers: pf.readers, clients: pf.clients, seconds: elapsed, targetValuesPerS: target, valuesPerS,
      cpuPct: (cpuS / elapsed) * 100, valuesPerCpuS: cpuS > 0 ? values / cpuS : NaN, rssStartMB: rssStart, rssMaxMB: rssMax,
      dataAgeP99Ms: histPercentile(ages, 99), dataAgeMaxMs: histPercentile(ages, 100),
      queueStart, queueEnd, queueMax: Math.max(queueMax, queueEnd), oldestQueuedMs: max(s1.oldestQueuedMs),
      influxFeatureValuesPerS: landed / elapsed, expectedFeatureValuesPerS: (2 * valuesPerS) / pf.window,
      logLines, log: peer.log.slice(log0, log0 + 5),
      status: !behind ? 'ok' : logLines > 0 ? 'behind' : 'behind, silent',
    };
  } catch (e) {
    throw new Error(`peer step ${name} ${ctx.variant} (${phase}): ${(e as Error).message}`);
  } finally {
    await peer?.stop();
    await sim.close();
  }
}
