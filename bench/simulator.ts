/**
 * How fast the plant simulator produces values and how fast a modbus-serial client can read them.
 *
 *   ./node_modules/.bin/node bench/simulator.ts [--seconds 3] [--assets 50] [--tags 60] [--rate 10]
 *
 * Part 1, in-process: plant.step + register-map write (and OPC UA publish) per tick, as fast as possible.
 * Part 2, the scale simulator in its own process, ticking at --rate while modbus-serial clients read each asset's
 * float32 block round-robin (1 and 4 connections); pymodbus serving a block of the same size as the yardstick.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ModbusClient } from '../gateway/acquisition/modbus/client.ts';
import { RegisterMap, startSimulator, SyntheticPlant, type Simulator, type SimulatorOptions } from '../gateway/simulator/index.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 && Number(args[i + 1]) > 0 ? Number(args[i + 1]) : dflt;
};
const seconds = arg('--seconds', 3);
const assets = arg('--assets', 50);
const tags = arg('--tags', 60);
const rate = arg('--rate', 10);
const children: ReturnType<typeof spawn>[] = [];
process.on('exit', () => { for (const c of children) c.kill('SIGTERM'); });

if (args.includes('--serve')) {
  // Child mode: the simulator alone in this process, ticking on its own timer, as `telltale simulate` runs it.
  const sim = await startSimulator({ assets, tagsPerAsset: tags, rate, seed: 1 });
  console.log(`PORT ${sim.modbusPort}`);
  process.once('SIGTERM', () => {
    const s = sim.stats();
    console.log(`STATS ${s.ticks} ${s.droppedTicks} ${s.modbus.requests}`);
    void sim.close().then(() => process.exit(0));
  });
} else {
  process.on('uncaughtException', (e) => { console.error(e); process.exit(1); });
  await tickRates();
  await servedRates();
  process.exit(0);
}

async function tickRates(): Promise<void> {
  const cases: [string, SimulatorOptions][] = [
    ['pump station, 3 pumps x 11 signals', { assets: 3 }],
    ['pump station, 100 pumps x 11 signals', { assets: 100 }],
    ['scale, 100 assets x 100 tags', { assets: 100, tagsPerAsset: 100 }],
    [`scale, ${assets} assets x ${tags} tags`, { assets, tagsPerAsset: tags }],
    ['scale, 500 assets x 60 tags', { assets: 500, tagsPerAsset: 60 }],
    ['pump station, 3 pumps, with OPC UA publish', { assets: 3, opcua: { port: 0 } }],
  ];
  console.log('Part 1: ticks/s in-process (plant step + Modbus register write [+ OPC UA set]), no timer');
  for (const [label, opts] of cases) {
    const sim: Simulator = await startSimulator({ ...opts, run: false, seed: 1 });
    const perTick = sim.plant.assets.length * sim.plant.signals.length;
    for (let i = 0; i < 200; i++) sim.step(1); // warm-up
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < seconds * 1000) {
      for (let i = 0; i < 50; i++) sim.step(1);
      n += 50;
    }
    const s = (performance.now() - t0) / 1000;
    console.log(`  ${label.padEnd(46)} ${fmt(n / s)} ticks/s  ${fmt((n * perTick) / s)} values/s  (${perTick} values/tick)`);
    await sim.close();
  }
}

async function servedRates(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const { port, child } = await startChild(process.execPath, [self, '--serve', '--assets', String(assets), '--tags', String(tags), '--rate', String(rate)], /PORT (\d+)/);
  const pyPort = 20000 + Math.floor(Math.random() * 20000);
  const pyScript = fileURLToPath(new URL('../test/support/pymodbus_server.py', import.meta.url));
  await startChild('/usr/bin/python3', [pyScript, '--tcp', String(pyPort)], /READY/, pyPort);
  const regs = Math.min(125, 2 * tags);
  // The same map the child serves, built here only for its block addresses.
  const blocks = new RegisterMap(new SyntheticPlant({ assets, tagsPerAsset: tags })).blocks.map((b) => b.holding);
  console.log(`Part 2: modbus-serial reading the scale simulator (${assets} x ${tags} tags, ticking at ${rate} Hz in its own process)`);
  console.log(`        vs pymodbus 3.0.0rc1 (same request size), ${regs} registers per request, ${seconds} s per run, runs interleaved`);
  // The machine is shared: interleave the two servers and report medians so load swings hit both alike.
  const sim1: number[] = [];
  const py1: number[] = [];
  for (let round = 0; round < 3; round++) {
    sim1.push(await readLoop(port, blocks, regs, seconds));
    py1.push(await readLoop(pyPort, [0], regs, seconds));
  }
  const parallel = async (p: number, b: number[]): Promise<number> =>
    (await Promise.all([0, 1, 2, 3].map(() => readLoop(p, b, regs, seconds)))).reduce((x, y) => x + y, 0);
  const sim4 = await parallel(port, blocks);
  const py4 = await parallel(pyPort, [0]);
  const m1 = median(sim1);
  const p1 = median(py1);
  console.log(`  1 client : simulator ${fmt(m1)} req/s = ${fmt((m1 * regs) / 2)} float32 values/s   pymodbus ${fmt(p1)} req/s   ratio ${(m1 / p1).toFixed(2)}x  (runs: ${sim1.map(fmt).join(', ')} / ${py1.map(fmt).join(', ')})`);
  console.log(`  4 clients: simulator ${fmt(sim4)} req/s = ${fmt((sim4 * regs) / 2)} float32 values/s   pymodbus ${fmt(py4)} req/s   ratio ${(sim4 / py4).toFixed(2)}x`);
  const stats = new Promise<string>((resolve) => child.stdout!.on('data', (d: Buffer) => { const m = /STATS (\d+) (\d+) (\d+)/.exec(String(d)); if (m) resolve(m[0]); }));
  child.kill('SIGTERM');
  const [, ticks, dropped, requests] = (await stats).split(' ').map(Number);
  console.log(`  simulator meanwhile: ${ticks} ticks at ${rate} Hz asked (${dropped} dropped), ${requests} requests served`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function readLoop(port: number, blocks: number[], regs: number, secs: number): Promise<number> {
  const c = new ModbusClient();
  await c.connectTCP('127.0.0.1', { port });
  c.setID(1);
  c.setTimeout(2000);
  for (let i = 0; i < 200; i++) await c.readHoldingRegisters(blocks[i % blocks.length], regs);
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < secs * 1000) {
    await c.readHoldingRegisters(blocks[n % blocks.length], regs);
    n++;
  }
  const r = n / ((performance.now() - t0) / 1000);
  await new Promise<void>((done) => c.close(() => done()));
  return r;
}

function startChild(cmd: string, argv: string[], ready: RegExp, fixedPort?: number): Promise<{ port: number; child: ReturnType<typeof spawn> }> {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = ready.exec(out);
      if (m) resolve({ port: fixedPort ?? Number(m[1]), child });
    });
    child.stderr!.on('data', (d) => { out += d; });
    child.once('exit', (code) => reject(new Error(`${cmd} exited with ${code}:\n${out}`)));
  });
}

function fmt(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e4 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0);
}
