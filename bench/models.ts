/**
 * Model scoring throughput: rows/s of each family (float and int8) through onnxruntime-node (OnnxScorer, one
 * thread) at batch 1, 64 and 1024 (best of 3 rounds), against the TypeScript reference at the same batch sizes; then BatchScorer
 * with many single-row callers. Models are fitted on SKAB's anomaly-free file (8 inputs).
 *   ./node_modules/.bin/node bench/models.ts [seconds-per-case=0.5] [skab-csv]
 */
import { performance } from 'node:perf_hooks';
import { loadTable, SKAB_SPEC } from '../gateway/evaluate/dataset.ts';
import { BatchScorer, fitModel, OnnxScorer, toOnnx, type AnomalyModel } from '../gateway/models/index.ts';

const seconds = Number(process.argv[2] ?? 0.5);
const csv = process.argv[3] ?? '../shared/datasets/skab/anomaly-free/anomaly-free.csv';
const table = loadTable(csv, SKAB_SPEC);
const n = table.columns.length;
const X = Float32Array.from(table.data);
const BATCHES = [1, 64, 1024];

/**
 * Calls fn (which handles `rows` rows) for `seconds`, in 3 rounds; returns the best round's rows per second
 * (the machine is shared: the best round is the least disturbed one).
 */
async function rate(rows: number, fn: (offset: number) => unknown): Promise<number> {
  for (let i = 0; i < 20; i++) await fn(0); // warm-up
  let best = 0;
  let calls = 0;
  for (let round = 0; round < 3; round++) {
    let done = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < (seconds * 1000) / 3) {
      await fn(((calls++ * rows) % (table.rows - rows)) * n);
      done += rows;
    }
    best = Math.max(best, done / ((performance.now() - t0) / 1000));
  }
  return best;
}

const fmt = (v: number) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : v.toFixed(0)).padStart(9);

console.log(`rows/s, ${n} inputs, ${seconds} s per case (node ${process.version}, 1 intra-op thread)`);
console.log(`${'model'.padEnd(16)}${'bytes'.padStart(7)} ${BATCHES.map((b) => `ort b=${b}`.padStart(11)).join('')} ${BATCHES.map((b) => `ts b=${b}`.padStart(11)).join('')}`);
const models: Record<string, AnomalyModel> = {};
const fitMs: Record<string, number> = {};
for (const family of ['pca', 'ae', 'iforest', 'knn'] as const) {
  const t0 = performance.now();
  models[family] = await fitModel(family, table.data, table.rows, n);
  fitMs[family] = performance.now() - t0;
  for (const int8 of [false, true]) {
    const bytes = toOnnx(models[family], { int8 });
    const scorer = await OnnxScorer.create(bytes);
    const ort: number[] = [];
    const ts: number[] = [];
    for (const b of BATCHES) ort.push(await rate(b, (o) => scorer.run(X.subarray(o, o + b * n), b)));
    if (!int8) for (const b of BATCHES) ts.push(await rate(b, (o) => models[family].score(X.subarray(o, o + b * n), b)));
    await scorer.dispose();
    const name = `${family}${int8 ? ' int8' : ''}`;
    console.log(`${name.padEnd(16)}${String(bytes.length).padStart(7)} ${ort.map((v) => fmt(v).padStart(11)).join('')} ${ts.map((v) => fmt(v).padStart(11)).join('')}`);
  }
}

// Many assets, one row each, through one BatchScorer: rows/s and rows per session.run.
for (const callers of [64, 1024]) {
  const scorer = await OnnxScorer.create(toOnnx(models.ae));
  const batcher = new BatchScorer(scorer, { maxBatch: 1024, maxWaitMs: 2 });
  const r = await rate(callers, (o) => Promise.all(Array.from({ length: callers }, (_, i) => batcher.score(X.subarray(o + i * n, o + (i + 1) * n), 1))));
  console.log(`BatchScorer ae, ${callers} callers × 1 row: ${fmt(r).trim()} rows/s, ${(batcher.stats.rows / batcher.stats.batches).toFixed(0)} rows per run`);
  batcher.close();
  await scorer.dispose();
}

console.log(`fit time on ${table.rows} rows (default options): ${Object.entries(fitMs).map(([f, ms]) => `${f} ${ms.toFixed(0)} ms`).join(', ')}`);
