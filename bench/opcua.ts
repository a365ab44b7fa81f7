/**
 * OPC UA client side: one OpcUaEndpoint subscribed to A assets × T Double tags that our plant OPC UA server (in a
 * child process, so the CPU figures are the gateway's) updates R times a second. Prints values/s and batches/s
 * received, gateway CPU per value and event-loop delay; then kills the server K times (SIGKILL, as a crash) and
 * restarts it on the same port, printing how long after the new server listens data flows again.
 *
 *   ./node_modules/.bin/node bench/opcua.ts [--assets 100] [--tags 50] [--rate 10] [--seconds 10] [--restarts 3]
 *                                           [--secure] [--backoff-initial 1000] [--backoff-max 30000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { OpcUaEndpoint } from '../gateway/acquisition/opcua/endpoint.ts';
import type { OpcUaTag } from '../gateway/acquisition/opcua/config.ts';
import { startPlantOpcUaServer } from '../gateway/simulator/opcua-server/index.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const assets = arg('assets', 100);
const tagsPerAsset = arg('tags', 50);
const rate = arg('rate', 10);
const seconds = arg('seconds', 10);
const restarts = arg('restarts', 3);
const secure = args.includes('--secure');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (args.includes('--serve')) {
  const variables = [];
  for (let a = 0; a < assets; a++) for (let t = 0; t < tagsPerAsset; t++) variables.push({ asset: `a${a}`, name: `t${t}`, initial: 0 });
  const server = await startPlantOpcUaServer({ host: '127.0.0.1', port: arg('port', 0), variables, pkiDir: args[args.indexOf('--pki') + 1] });
  let tick = 0;
  setInterval(() => {
    tick++;
    const ts = new Date();
    for (let a = 0; a < assets; a++) for (let t = 0; t < tagsPerAsset; t++) server.set(`a${a}`, `t${t}`, tick + t, ts);
  }, 1000 / rate);
  console.log(`PORT ${server.port}`);
} else {
  const dir = await mkdtemp(join(tmpdir(), 'telltale-bench-opcua-'));
  const serve = (port: number) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', '--port', String(port), '--pki', join(dir, 'server'), ...args], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const listening = new Promise<number>((resolve) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        const m = /PORT (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
    });
    return { child, listening };
  };
  let server: { child: ChildProcess; listening: Promise<number> } = serve(0);
  process.on('exit', () => server.child.kill('SIGKILL'));
  const port = await server.listening;

  const tags: OpcUaTag[] = [];
  for (let a = 0; a < assets; a++) for (let t = 0; t < tagsPerAsset; t++) tags.push({ name: `t${t}`, asset: `a${a}`, nodeId: `ns=1;s=a${a}.t${t}`, scale: 1, offset: 0 });
  const ep = new OpcUaEndpoint(
    {
      protocol: 'opcua', id: 'bench', endpoint: `opc.tcp://127.0.0.1:${port}`,
      securityMode: secure ? 'SignAndEncrypt' : 'None', securityPolicy: secure ? 'Basic256Sha256' : 'None',
      samplingIntervalMs: 0, publishingIntervalMs: Math.max(10, Math.round(1000 / rate)),
      backoff: { initialMs: arg('backoff-initial', 1000), maxMs: arg('backoff-max', 30_000) }, tags,
    },
    { pkiDir: join(dir, 'client'), serverTrust: 'auto-accept' },
  );
  let batches = 0;
  let lastBatchAt = 0;
  ep.onSamples(() => {
    batches++;
    lastBatchAt = Date.now();
  });
  const t0 = Date.now();
  await ep.start();
  while (!ep.status().connected) await sleep(10);
  console.log(`${assets * tagsPerAsset} tags (${assets} assets) subscribed ${Date.now() - t0} ms after start${secure ? ', SignAndEncrypt/Basic256Sha256' : ''}`);
  await sleep(2000);

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const s0 = ep.status().samples;
  const b0 = batches;
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(c0);
  const dt = (performance.now() - w0) / 1000;
  loop.disable();
  const values = ep.status().samples - s0;
  console.log(
    `${rate} Hz: ${Math.round(values / dt)} values/s, ${Math.round((batches - b0) / dt)} batches/s, ` +
      `gateway CPU ${(((cpu.user + cpu.system) / 1e6 / dt) * 100).toFixed(1)} % (${((cpu.user + cpu.system) / values).toFixed(2)} µs/value), ` +
      `event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms`,
  );

  for (let r = 0; r < restarts; r++) {
    server.child.kill('SIGKILL');
    while (ep.status().connected) await sleep(10);
    const killedAt = Date.now();
    await sleep(1000);
    server = serve(port);
    await server.listening;
    const listeningAt = Date.now();
    while (lastBatchAt <= listeningAt) await sleep(5);
    console.log(`restart ${r + 1}: data again ${lastBatchAt - listeningAt} ms after the server listened (${lastBatchAt - killedAt} ms after the crash was noticed, 1 s down)`);
    await sleep(1000);
  }
  await ep.stop();
  server.child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
  process.exit(0);
}
