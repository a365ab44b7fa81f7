/**
 * Start-up cost of the configuration: parse + validate + cross-check + freeze, for the shipped sample and for a
 * large generated plant (devices × tags per device), and how long a config with an error in every device takes
 * to report. The gateway validates once at start-up, so this is a budget check, not a hot path.
 *   ./node_modules/.bin/node bench/config-load.ts [devices=200] [tagsPerDevice=100]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError, parseConfig } from '../gateway/config/load.ts';
import { packageRoot } from '../gateway/core/package-root.ts';

const devices = Number(process.argv[2] ?? 200);
const tagsPerDevice = Number(process.argv[3] ?? 100);

function plant(broken: boolean): string {
  const types = ['uint16', 'int16', 'float32', 'float64', 'int32'];
  return stringify({
    devices: Array.from({ length: devices }, (_, d) => ({
      id: `pump-${d}`,
      protocol: 'modbus-tcp',
      host: `10.0.${d >> 8}.${d & 255}`,
      tags: Array.from({ length: tagsPerDevice }, (_, t) => ({ name: `tag_${t}`, address: t * 4, type: broken && t === 0 ? 'float' : types[t % types.length], unit: 'mm/s' })),
    })),
  });
}

function time(label: string, text: string, runs: number): void {
  parseConfig(text, label, {}); // warm-up (ajv compiles at import; this warms the JIT)
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) parseConfig(text, label, {});
  const ms = (performance.now() - t0) / runs;
  console.log(`${label}: ${ms.toFixed(2)} ms per load (${(text.length / 1024).toFixed(0)} KiB of YAML, ${runs} runs)`);
}

const sample = readFileSync(join(packageRoot, 'gateway.sample.yaml'), 'utf8');
time('gateway.sample.yaml', sample, 200);
time(`plant ${devices}x${tagsPerDevice} tags`, plant(false), 5);

const broken = plant(true);
const t0 = performance.now();
try {
  parseConfig(broken, 'broken', {});
} catch (e) {
  const ms = performance.now() - t0;
  console.log(`plant with ${devices} errors: ${(e as ConfigError).problems.length} problems reported in ${ms.toFixed(1)} ms`);
}
