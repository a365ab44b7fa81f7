/**
 * Gateway-side Modbus throughput: D devices (one TCP connection each) polling T float32 tags every I ms against
 * our simulator server in a child process. Prints values/s decoded, requests/s, skipped polls and the event-loop
 * time spent per batch, so the acquisition cost per value can be read off.
 *
 *   ./node_modules/.bin/node bench/modbus-poll.ts [--devices 10] [--tags 500] [--interval 100] [--seconds 10]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ModbusDevice } from '../gateway/acquisition/modbus/device.ts';
import type { ModbusTag, ModbusTcpDevice } from '../gateway/acquisition/modbus/config.ts';
import { RegisterBank, startModbusTcpServer } from '../gateway/simulator/modbus-server/index.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const devices = arg('devices', 10);
const tagsPerDevice = arg('tags', 500);
const intervalMs = arg('interval', 100);
const seconds = arg('seconds', 10);

if (args.includes('--serve')) {
  const bank = new RegisterBank();
  for (let i = 0; i < 4000; i += 2) bank.write('holding', i, 'float32', 'CDAB', i / 10);
  const srv = await startModbusTcpServer({ port: 0, units: () => bank });
  console.log(`PORT ${srv.port}`);
} else {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.on('exit', () => child.kill('SIGTERM'));
  const port = await new Promise<number>((resolve) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
  });
  const tags: ModbusTag[] = Array.from({ length: tagsPerDevice }, (_, i) => ({
    name: `t${i}`, table: 'holding', address: i * 2, type: 'float32', order: 'CDAB', scale: 1, offset: 0,
  }));
  const list = Array.from({ length: devices }, (_, d) => new ModbusDevice({
    protocol: 'modbus-tcp', id: `bench-${d}`, host: '127.0.0.1', port, unitId: d + 1, timeoutMs: 2000, retries: 0,
    pollIntervalMs: intervalMs, order: 'CDAB', maxGap: 16, maxRegistersPerRead: 125, maxBitsPerRead: 2000,
    backoff: { initialMs: 100, maxMs: 1000 }, tags,
  } satisfies ModbusTcpDevice));
  let values = 0;
  let bad = 0;
  for (const dev of list) {
    dev.onSamples((b) => {
      for (const k in b.quality) {
        values++;
        if (b.quality[k].status !== 'good') bad++;
      }
    });
  }
  await Promise.all(list.map((d) => d.start()));
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  values = 0;
  bad = 0;
  const req0 = list.reduce((n, d) => n + d.status().requests, 0);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  delay.disable();
  const requests = list.reduce((n, d) => n + d.status().requests, 0) - req0;
  const skipped = list.reduce((n, d) => n + (d.status().skippedPolls ?? 0), 0);
  await Promise.all(list.map((d) => d.stop()));
  const target = (devices * tagsPerDevice * 1000) / intervalMs;
  console.log(`${devices} devices × ${tagsPerDevice} float32 tags every ${intervalMs} ms for ${seconds} s (target ${target.toFixed(0)} values/s)`);
  console.log(`values/s ${(values / elapsed).toFixed(0)}  bad ${bad}  requests/s ${(requests / elapsed).toFixed(0)}  skipped polls ${skipped}`);
  console.log(`gateway CPU ${(((cpu.user + cpu.system) / 1e6 / elapsed) * 100).toFixed(1)}% of one core, ${(((cpu.user + cpu.system) / Math.max(values, 1)) * 1000).toFixed(0)} ns CPU per value`);
  console.log(`event-loop delay p50 ${(delay.percentile(50) / 1e6).toFixed(2)} ms  p99 ${(delay.percentile(99) / 1e6).toFixed(2)} ms  max ${(delay.max / 1e6).toFixed(2)} ms`);
  process.exit(0);
}
