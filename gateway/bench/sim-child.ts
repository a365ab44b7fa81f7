/**
 * The simulator side of `telltale bench`, run in its own process so its CPU is not counted as the gateway's.
 * argv[2]: JSON { assets, tagsPerAsset, rate }. Prints `READY <port>`; on stdin `fault <asset>` injects a step
 * fault (full severity at once) and prints `FAULT <asset> <onset ms>`; `clear <asset>` clears it; `stats` prints
 * `STATS <json>` (ticks, dropped ticks, requests served, CPU µs).
 */
import { createInterface } from 'node:readline';
import { startSimulator } from '../simulator/index.ts';

const opts = JSON.parse(process.argv[2] ?? '{}') as { assets: number; tagsPerAsset: number; rate: number };
const sim = await startSimulator({ assets: opts.assets, tagsPerAsset: opts.tagsPerAsset, rate: opts.rate, seed: 7 });
process.stdout.write(`READY ${sim.modbusPort}\n`);

const stop = async (): Promise<void> => {
  await sim.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, asset] = line.trim().split(/\s+/);
  if (cmd === 'fault' && asset) {
    sim.injectFault(asset, 'bearing-wear', { severity: 1, rampS: 0 });
    process.stdout.write(`FAULT ${asset} ${Date.now()}\n`);
  } else if (cmd === 'clear' && asset) {
    sim.clearFault(asset);
    process.stdout.write(`CLEAR ${asset} ${Date.now()}\n`);
  } else if (cmd === 'stats') {
    const s = sim.stats();
    const cpu = process.cpuUsage();
    process.stdout.write(`STATS ${JSON.stringify({ ticks: s.ticks, droppedTicks: s.droppedTicks, modbus: s.modbus, cpuUs: cpu.user + cpu.system })}\n`);
  }
}).on('close', () => void stop());
