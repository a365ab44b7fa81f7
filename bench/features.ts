// FeatureWindow throughput and allocation check.
// Run: ./node_modules/.bin/node --expose-gc bench/features.ts
// Reports samples/s (one sample = one value per tag) for a process-rate window (8 tags, all time-domain features)
// and a vibration window (FFT bands + envelope), and how many GCs ran during the timed loop (0 = no allocation).
import { PerformanceObserver } from 'node:perf_hooks';
import { FeatureWindow } from '../gateway/features/index.ts';

let gcs = 0;
new PerformanceObserver((list) => (gcs += list.getEntries().length)).observe({ entryTypes: ['gc'] });

function bench(name: string, w: FeatureWindow, samples: number): void {
  const n = w.tags.length;
  const values = new Float64Array(n);
  const out = new Float64Array(w.layout.length);
  const run = (count: number): number => {
    let windows = 0;
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < n; j++) values[j] = Math.sin(i * 0.01 * (j + 1)) + ((i * 7919) % 13) * 0.01;
      if (w.push(values)) {
        w.next(out);
        windows++;
      }
    }
    return windows;
  };
  run(Math.min(samples, 50_000)); // warm-up (JIT)
  (globalThis as { gc?: () => void }).gc?.();
  const before = gcs;
  const t0 = process.hrtime.bigint();
  const windows = run(samples);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const heapGcs = gcs - before;
  console.log(`${name}: ${(samples / s / 1e6).toFixed(2)} M samples/s (${((samples * n) / s / 1e6).toFixed(1)} M values/s), ${(windows / s).toFixed(0)} windows/s, ${heapGcs} GCs during ${samples.toLocaleString('en')} samples`);
}

const tags8 = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
bench('8 tags, window 60 hop 10, 10 features', new FeatureWindow({ tags: tags8, size: 60, hop: 10 }), 2_000_000);
bench('8 tags, window 60 tumbling, 10 features', new FeatureWindow({ tags: tags8, size: 60 }), 2_000_000);
bench('8 tags, window 5 hop 1, mean+std (SKAB config)', new FeatureWindow({ tags: tags8, size: 5, hop: 1, features: ['mean', 'std'] }), 2_000_000);
bench(
  '1 vibration tag @ 10 kHz, window 1024 hop 256, 10 features + 4 bands + envelope',
  new FeatureWindow({
    tags: ['vib'],
    size: 1024,
    hop: 256,
    spectral: { vib: { sampleRate: 10_000, bands: [{ lo: 0, hi: 500 }, { lo: 500, hi: 1500 }, { lo: 1500, hi: 3000 }, { lo: 3000, hi: 5000 }], envelopeBands: [{ lo: 0, hi: 200 }, { lo: 200, hi: 1000 }] } },
  }),
  2_000_000,
);
