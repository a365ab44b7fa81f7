/**
 * int8 detection loss on SKAB, float vs int8 ONNX, point-wise F1/FAR/MAR with confusion counts summed over files.
 *   bundle mode:   a shipped bundle scores every labelled file whole, with its manifest thresholds.
 *   protocol mode: each family refitted per file on its first 400 rows (raw signals, no feature windows, no
 *                  smoothing: the bare models), threshold = 0.99 quantile of each variant's own training scores.
 * `telltale evaluate` is the full pipeline; this isolates what int8 costs the models themselves.
 *   ./node_modules/.bin/node bench/models-skab.ts bundle [models/skab-pca] [skab-dir]
 *   ./node_modules/.bin/node bench/models-skab.ts protocol [skab-dir]
 */
import { loadDataset, SKAB_SPEC, type Table } from '../gateway/evaluate/dataset.ts';
import { accumulate, emptyConfusion, metrics, type Confusion } from '../gateway/evaluate/metrics.ts';
import { fitModel, OnnxScorer, quantileThreshold, readModelBundle, toOnnx } from '../gateway/models/index.ts';

const mode = process.argv[2] ?? 'bundle';
const TRAIN_ROWS = 400;
const pct = (v: number) => `${(v * 100).toFixed(2)} %`.padStart(8);

function line(name: string, c: Confusion, extra = ''): string {
  const r = metrics(c);
  return `${name.padEnd(14)} F1 ${r.f1.toFixed(3)}  FAR ${pct(r.far)}  MAR ${pct(r.mar)}  ${extra}`;
}

async function scores(bytes: Uint8Array, X: Float32Array, rows: number): Promise<Float32Array> {
  const scorer = await OnnxScorer.create(bytes);
  try {
    return (await scorer.run(X, rows)).score;
  } finally {
    await scorer.dispose();
  }
}

async function bundleMode(bundleDir: string, tables: Table[]): Promise<void> {
  const bundle = await readModelBundle(bundleDir);
  const m = bundle.manifest;
  console.log(`${m.name} (${m.family}) on ${tables.length} labelled SKAB files, whole files, manifest thresholds`);
  for (const [name, bytes, threshold] of [
    ['float', bundle.floatBytes, m.threshold.value], ['int8', bundle.int8Bytes, m.threshold.int8Value ?? m.threshold.value],
  ] as const) {
    const c = emptyConfusion();
    for (const t of tables) {
      if (t.columns.join() !== m.inputs.names.join()) throw new Error(`${t.file}: columns differ from the model's inputs`);
      const s = await scores(bytes, Float32Array.from(t.data), t.rows);
      accumulate(c, t.labels!, Uint8Array.from(s, (v) => (v > threshold ? 1 : 0)));
    }
    console.log(line(name, c, `${bytes.length} B, threshold ${threshold.toFixed(4)}`));
  }
}

async function protocolMode(tables: Table[]): Promise<void> {
  console.log(`SKAB protocol on ${tables.length} files: per file, fit on the first ${TRAIN_ROWS} rows, score the rest (bare models)`);
  for (const family of ['pca', 'ae', 'iforest'] as const) {
    const c = { float: emptyConfusion(), int8: emptyConfusion() };
    let bytesMax = 0;
    for (const t of tables) {
      const n = t.columns.length;
      const model = await fitModel(family, t.data, TRAIN_ROWS, n, { ae: { epochs: 40 } });
      const X = Float32Array.from(t.data);
      for (const variant of ['float', 'int8'] as const) {
        const bytes = toOnnx(model, { int8: variant === 'int8' });
        bytesMax = Math.max(bytesMax, bytes.length);
        const s = await scores(bytes, X, t.rows);
        const threshold = quantileThreshold(s.subarray(0, TRAIN_ROWS), 0.99);
        accumulate(c[variant], t.labels!.subarray(TRAIN_ROWS), Uint8Array.from(s.subarray(TRAIN_ROWS), (v) => (v > threshold ? 1 : 0)));
      }
    }
    console.log(line(`${family} float`, c.float, `≤ ${bytesMax} B`));
    console.log(line(`${family} int8`, c.int8));
  }
}

if (mode === 'bundle') {
  const { tables } = loadDataset(process.argv[4] ?? '../shared/datasets/skab', SKAB_SPEC);
  await bundleMode(process.argv[3] ?? 'models/skab-pca', tables);
} else if (mode === 'protocol') {
  const { tables } = loadDataset(process.argv[3] ?? '../shared/datasets/skab', SKAB_SPEC);
  await protocolMode(tables);
} else {
  throw new Error(`mode must be bundle or protocol, got ${mode}`);
}
