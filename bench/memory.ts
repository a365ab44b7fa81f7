/**
 * Where the gateway's memory goes (issue 6: ≤ 150 MB RSS at 1,000 tags × 10 Hz).
 *   npm run build && ./node_modules/.bin/node bench/memory.ts [--seconds 60] [--tags 1000] [--rate 10] [--start [--no-editor]]
 *       [--v8=--max-semi-space-size=2] [--modules-only | --gateway-only]
 * 1. Modules: each heavy module imported alone in a fresh Node process (compiled gateway code from dist/, so the
 *    TypeScript stripper is not counted), after a full GC: RSS, the RSS it adds to a bare process, V8 heap used,
 *    external (native buffers V8 knows of) and import time.
 * 2. The gateway at tags × rate: the scale simulator in a child (gateway/bench/sim-child), real influxd and
 *    mosquitto on loopback, and the gateway pipeline in a fresh process of its own — the full data path the bench
 *    measures (one ModbusDevice per asset of 100 tags → FeatureProcessor → ONNX PCA via BatchScorer → AssetDetector
 *    → TsdbWriter to InfluxDB + CloudUplink to MQTT), without the bench harness, the CLI or Node-RED. Prints its
 *    memory every 10 s; the figure is RSS after --seconds. --v8 passes flags to that process only.
 * 3. With --start: the product, `telltale start` (bin/telltale.js, dist/) with a generated config — one modbus-tcp
 *    device per asset on the same simulator, tsdb: and uplink: sections on the same influxd and mosquitto, the editor
 *    on (Node-RED and the seeded flow) unless --no-editor — its RSS (/proc/<pid>/status) and CPU every 10 s, the
 *    V8 flags it runs with (/proc/<pid>/cmdline) and /readyz at the end. --v8 is not used there (bin/telltale.js
 *    sets the flags; NODE_OPTIONS still reaches it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { packageRoot } from '../gateway/core/package-root.ts';
import { startServers } from '../gateway/bench/peers.ts';

const { values: args } = parseArgs({ options: {
  seconds: { type: 'string', default: '60' },
  tags: { type: 'string', default: '1000' },
  rate: { type: 'string', default: '10' },
  v8: { type: 'string', default: '' },
  'modules-only': { type: 'boolean', default: false },
  'gateway-only': { type: 'boolean', default: false },
  start: { type: 'boolean', default: false },
  'no-editor': { type: 'boolean', default: false },
} });
const node = process.execPath;
const dist = (p: string) => pathToFileURL(join(packageRoot, 'dist', p)).href;
const MB = 2 ** 20;

interface Memory { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number }

/** Runs `code` (an ES module body) in a fresh node; resolves with the JSON it printed on its last line. */
function runFresh<T>(code: string, flags: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, ['--expose-gc', ...flags, '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.once('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      try { resolve(JSON.parse(last) as T); } catch { reject(new Error(`memory: child exited ${code} printing ${JSON.stringify(out.slice(-300))}`)); }
    });
  });
}

const MODULES: [label: string, setup: string][] = [
  ['(bare node)', ''],
  ['node:sqlite', "await import('node:sqlite');"],
  ['commander', "await import('commander');"],
  ['mqtt', "await import('mqtt');"],
  ['influx', "await import('influx');"],
  ['modbus-serial', "await import('modbus-serial');"],
  ['fastify', "await import('fastify');"],
  ['onnxruntime-node', "await import('onnxruntime-node');"],
  ['onnxruntime-node + 1 PCA session', `const m = await import('${dist('gateway/models/index.js')}');
    const X = Float64Array.from({ length: 200 * 20 }, (_, i) => Math.sin(i * 1.3) + (i % 7));
    globalThis.keep = await m.OnnxScorer.create(m.toOnnx(await m.fitModel('pca', X, 200, 20)));`],
  ['node-opcua', "await import('node-opcua');"],
  ['node-red', "await import('node-red');"],
  ['gateway: acquisition/modbus', `await import('${dist('gateway/acquisition/modbus/index.js')}');`],
  ['gateway: acquisition/opcua', `await import('${dist('gateway/acquisition/opcua/index.js')}');`],
  ['gateway: models', `await import('${dist('gateway/models/index.js')}');`],
  ['gateway: outputs/store-and-forward', `await import('${dist('gateway/outputs/store-and-forward.js')}');`],
  ['gateway: api/app', `await import('${dist('gateway/api/app.js')}');`],
  ['gateway: runtime/gateway', `await import('${dist('gateway/runtime/gateway.js')}');`],
  ['gateway: bench/pipeline', `await import('${dist('gateway/bench/pipeline.js')}');`],
  ['gateway: host/nodered', `await import('${dist('gateway/host/nodered.js')}');`],
  ['CLI: cli/main (program built)', `const m = await import('${dist('gateway/cli/main.js')}'); globalThis.keep = m.buildProgram();`],
];

async function modules(): Promise<void> {
  console.log('| module (imported alone, fresh node, after gc) | RSS MB | + RSS vs bare | heap used MB | external MB | import ms |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  let bare = 0;
  for (const [label, setup] of MODULES) {
    const m = await runFresh<Memory & { ms: number }>(`const t = performance.now(); ${setup}
      const ms = performance.now() - t; globalThis.gc(); globalThis.gc();
      console.log(JSON.stringify({ ...process.memoryUsage(), ms }));`);
    if (label === '(bare node)') bare = m.rss;
    console.log(`| ${label} | ${(m.rss / MB).toFixed(1)} | ${((m.rss - bare) / MB).toFixed(1)} | ${(m.heapUsed / MB).toFixed(1)} | ${(m.external / MB).toFixed(1)} | ${Math.round(m.ms)} |`);
  }
}

/** The gateway process: the bench pipeline alone, printing `MEM {…}` every 10 s and `READY` once scoring. */
const GATEWAY_CHILD = `
const { BenchPipeline } = await import('${dist('gateway/bench/pipeline.js')}');
const o = JSON.parse(process.env.TELLTALE_MEMORY_PIPELINE);
const pipe = new BenchPipeline(o);
await pipe.start();
const { monitorEventLoopDelay } = await import('node:perf_hooks');
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
const t0 = Date.now();
let v0 = 0;
let cpu0 = process.cpuUsage();
setInterval(() => {
  const c = pipe.counters;
  const cpu = process.cpuUsage(cpu0);
  cpu0 = process.cpuUsage();
  const lagP99 = lag.percentile(99) / 1e6;
  lag.reset();
  c.ages.length = 0; // the bench keeps data ages for percentiles; not the gateway's memory
  const s = process.memoryUsage();
  console.log('MEM ' + JSON.stringify({ t: (Date.now() - t0) / 1000, ...s, valuesPerS: (c.values - v0) / 10, ready: pipe.ready,
    cpuPct: (cpu.user + cpu.system) / 1e5, lagP99, queued: pipe.outputs.tsdb.metrics().pointsQueued, errors: c.errors.slice(0, 2), handles: process.getActiveResourcesInfo().length }));
  v0 = c.values;
}, 10_000);
process.on('SIGTERM', () => { void pipe.stop().then(() => process.exit(0)); });
`;

interface Peers {
  tags: number; rate: number; seconds: number; tagsPerAsset: number; assets: number;
  simPort: number; influxUrl: string; mqttUrl: string; dataDir: string;
}

/** influxd, mosquitto and the scale simulator child for the run; stops them after `run`. */
async function withPeers(run: (p: Peers) => Promise<void>): Promise<void> {
  const tags = Number(args.tags);
  const rate = Number(args.rate);
  const seconds = Number(args.seconds);
  const tagsPerAsset = 100;
  const assets = Math.max(1, Math.round(tags / tagsPerAsset));
  const { startSimulatorChild } = await import(dist('gateway/bench/peers.js')) as typeof import('../gateway/bench/peers.ts');
  const { influxd, mosquitto } = await startServers();
  const sim = await startSimulatorChild({ assets, tagsPerAsset, rate });
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-memory-'));
  try {
    await run({ tags, rate, seconds, tagsPerAsset, assets, simPort: sim.port, influxUrl: influxd.url, mqttUrl: mosquitto.url, dataDir });
  } finally {
    await sim.close();
    await Promise.allSettled([influxd.dispose(), mosquitto.dispose()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();

async function gateway(p: Peers): Promise<void> {
  const { tags, rate, seconds, assets, tagsPerAsset } = p;
  const opts = { assets, tagsPerAsset, rate, simPort: p.simPort, influxUrl: p.influxUrl, mqttUrl: p.mqttUrl, dataDir: p.dataDir, window: Math.max(2, Math.round(rate / 2)), warmupWindows: 10 };
  const flags = args.v8.split(/\s+/).filter(Boolean);
  console.log(`\ngateway pipeline at ${tags} tags × ${rate} Hz (${assets} assets), node ${flags.join(' ') || '(default V8 flags)'}; load average ${loadavg()}`);
  console.log('| t s | RSS MB | heap used MB | heap total MB | external MB | arrayBuffers MB | values/s | CPU % | loop lag p99 ms | handles |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const child = spawn(node, [...flags, '--input-type=module', '-e', GATEWAY_CHILD], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TELLTALE_MEMORY_PIPELINE: JSON.stringify(opts) } });
  let last: (Memory & { t: number }) | undefined;
  const cpus: number[] = [];
  let buf = '';
  const done = new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.startsWith('MEM ')) { console.log(line); continue; }
        const m = JSON.parse(line.slice(4)) as Memory & { t: number; valuesPerS: number; cpuPct: number; lagP99: number; handles: number; errors: string[] };
        last = m;
        if (m.t > 15) cpus.push(m.cpuPct); // after warm-up and the model fit
        console.log(`| ${Math.round(m.t)} | ${(m.rss / MB).toFixed(1)} | ${(m.heapUsed / MB).toFixed(1)} | ${(m.heapTotal / MB).toFixed(1)} | ${(m.external / MB).toFixed(1)} | ${(m.arrayBuffers / MB).toFixed(1)} | ${Math.round(m.valuesPerS)} | ${m.cpuPct.toFixed(1)} | ${m.lagP99.toFixed(0)} | ${m.handles}${m.errors.length ? ` errors: ${m.errors.join('; ')}` : ''} |`);
        if (m.t >= seconds - 1) resolve();
      }
    });
    child.once('exit', (code) => { console.log(`gateway child exited (${code})`); resolve(); });
  });
  await done;
  child.kill('SIGTERM');
  await new Promise((r) => child.exitCode === null ? child.once('exit', r) : r(undefined));
  const meanCpu = cpus.reduce((a, b) => a + b, 0) / Math.max(1, cpus.length);
  if (last) console.log(`gateway RSS after ${Math.round(last.t)} s: ${(last.rss / MB).toFixed(1)} MB (heap used ${(last.heapUsed / MB).toFixed(1)} MB, heap total ${(last.heapTotal / MB).toFixed(1)} MB); CPU ${meanCpu.toFixed(1)} % of one core (mean after 15 s)`);
}

/** `telltale start` as shipped, on a generated config; RSS and CPU from /proc. */
async function start(p: Peers): Promise<void> {
  const { SyntheticPlant } = await import(dist('gateway/simulator/plant/synthetic.js')) as typeof import('../gateway/simulator/plant/synthetic.ts');
  const { RegisterMap } = await import(dist('gateway/simulator/register-map.js')) as typeof import('../gateway/simulator/register-map.ts');
  const { simulatorDevices } = await import(dist('gateway/simulator/gateway-config.js')) as typeof import('../gateway/simulator/gateway-config.ts');
  const { stringify } = await import('yaml');
  const plant = new SyntheticPlant({ assets: p.assets, tagsPerAsset: p.tagsPerAsset });
  const at = { host: '127.0.0.1', modbusPort: p.simPort, unitId: 1, order: 'ABCD' as const };
  const all = simulatorDevices(plant, new RegisterMap(plant, at.order), at, { pollIntervalMs: Math.max(1, Math.round(1000 / p.rate)) })[0]!;
  const devices = plant.assets.map((asset) => ({ ...all, id: `sim-${asset}`, asset, tags: all.tags.filter((t) => (t as { asset?: string }).asset === asset) }));
  const editor = !args['no-editor'];
  const file = join(p.dataDir, 'gateway.yaml');
  writeFileSync(file, stringify({
    gateway: { id: 'memory', site: 'bench', dataDir: join(p.dataDir, 'data') },
    api: { host: '127.0.0.1', port: 0 }, editor: { enabled: editor, host: '127.0.0.1', port: 0 },
    devices, tsdb: { url: p.influxUrl, database: 'memory' }, uplink: { url: p.mqttUrl },
  }));
  // /readyz gives its detail (what is down and why) only with an API token
  const token = `bench-memory-${process.pid}`;
  const gw = spawn(node, [join(packageRoot, 'bin/telltale.js'), 'start', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'], cwd: packageRoot, env: { ...process.env, TELLTALE_API_TOKENS: token } });
  let out = '';
  gw.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  gw.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const pid = gw.pid!;
  const status = () => {
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { rss: rssKb * 1024, cpuS: (Number(stat[11]) + Number(stat[12])) / 100 }; // utime, stime in clock ticks (USER_HZ 100)
  };
  const t0 = Date.now();
  console.log(`\ntelltale start: ${p.tags} tags × ${p.rate} Hz (${p.assets} modbus-tcp devices), tsdb + uplink, editor ${editor ? 'on' : 'off'}; load average ${loadavg()}`);
  console.log('| t s | RSS MB | CPU % |');
  console.log('| --- | --- | --- |');
  let prev = { t: 0, cpuS: 0 };
  let rss = 0;
  const cpus: number[] = [];
  while (Date.now() - t0 < p.seconds * 1000 && gw.exitCode === null) {
    await new Promise((r) => setTimeout(r, 10_000));
    if (gw.exitCode !== null) break;
    const s = status();
    const t = (Date.now() - t0) / 1000;
    const cpu = ((s.cpuS - prev.cpuS) / (t - prev.t)) * 100;
    if (t > 15) cpus.push(cpu);
    prev = { t, cpuS: s.cpuS };
    rss = s.rss;
    console.log(`| ${Math.round(t)} | ${(s.rss / MB).toFixed(1)} | ${cpu.toFixed(1)} |`);
  }
  if (gw.exitCode !== null) {
    console.log(`telltale start exited (${gw.exitCode}):\n${out.slice(-2000)}`);
    return;
  }
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a.startsWith('--max'));
  const api = /API:\s+(\S+)healthz/.exec(out)?.[1];
  const ready = api ? await fetch(`${api}readyz`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text()).catch((e: Error) => e.message) : 'no API line in the banner';
  gw.kill('SIGTERM');
  await new Promise((r) => gw.exitCode === null ? gw.once('exit', r) : r(undefined));
  console.log(`telltale start RSS after ${p.seconds} s: ${(rss / MB).toFixed(1)} MB; CPU ${(cpus.reduce((a, b) => a + b, 0) / Math.max(1, cpus.length)).toFixed(1)} % of one core (mean after 15 s); V8 flags ${cmdline.join(' ') || '(none)'}`);
  console.log(`/readyz: ${ready.slice(0, 400)}`);
}

console.log(`node ${process.version}; load average ${loadavg()}`);
if (!args['gateway-only'] && !args.start) await modules();
if (!args['modules-only'] && !args.start) await withPeers(gateway);
if (args.start) await withPeers(start);
