// Research grid over evaluation configurations, through the real path (models → ONNX → calibration → alerts).
// Run: ./node_modules/.bin/node bench/research/skab-evaluate.ts model=pca w=5 feats=mean margin=1.5 q=1 \
//        exclude=Temperature,Thermocouple smooth=0 close=1 minopen=1 minclose=1 int8=0 method=quantile v=0
import { DEFAULT_EVALUATION, type EvaluationConfig } from '../../gateway/evaluate/config.ts';
import { loadDataset, SKAB_SPEC } from '../../gateway/evaluate/dataset.ts';
import { evaluateDataset } from '../../gateway/evaluate/benchmark.ts';
import { metrics } from '../../gateway/evaluate/metrics.ts';
import type { ScalarFeature } from '../../gateway/features/stats.ts';
import type { ModelFamily } from '../../gateway/models/types.ts';

const { tables } = loadDataset(process.env.SKAB ?? '../shared/datasets/skab', SKAB_SPEC);
const a = Object.fromEntries(process.argv.slice(2).map((x) => x.split('=')));
const d = DEFAULT_EVALUATION;
const config: EvaluationConfig = {
  ...d,
  window: { size: Number(a.w ?? d.window.size), features: (a.feats?.split(',') ?? d.window.features) as ScalarFeature[], tagFeatures: a.tf ? Object.fromEntries(a.tf.split(';').map((x: string) => { const [t, f] = x.split(':'); return [t, f.split('+')]; })) : undefined },
  exclude: a.exclude !== undefined ? a.exclude.split(',').filter(Boolean) : d.exclude,
  model: (a.model ?? d.model) as ModelFamily,
  int8: a.int8 === '1',
  fit: { ...d.fit, pca: { ...d.fit.pca, varianceKept: Number(a.var ?? 0.95), ...(a.score ? { score: a.score } : {}) } },
  smoothing: Number(a.smooth ?? d.smoothing),
  calibration: { method: (a.method ?? 'quantile') as 'quantile', quantile: Number(a.q ?? 1), margin: Number(a.margin ?? 1.5), risk: Number(a.risk ?? 1e-3), marginFrom: (a.from ?? 'zero') as 'zero' },
  alert: { closeRatio: Number(a.close ?? 1), minOpenWindows: Number(a.minopen ?? 1), minCloseWindows: Number(a.minclose ?? 1) },
};
const r = await evaluateDataset(tables, 400, config);
if (a.v === '1') for (const f of r.files) { const m = metrics(f.confusion!); console.log(f.relPath.padEnd(14), f.confusion, m.f1.toFixed(2), f.calibration.threshold.toFixed(2)); }
const m = r.totals!;
console.log(process.argv.slice(2).join(' '), `F1=${m.f1.toFixed(3)} FAR=${(m.far * 100).toFixed(2)}% MAR=${(m.mar * 100).toFixed(2)}% bytes=${r.maxModelBytes}`);
