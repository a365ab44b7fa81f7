// Out-of-sample check of the SKAB configuration (issue 17): select on one group, report on the other, both ways,
// and sum the two held-out confusion matrices into one 30-file figure. Same grid as BENCHMARKS.md's carry-over
// check (window 4/5/6/10 × mean or mean+std × margin 1.5/2/2.5/3 × close 1/0.7 × EMA 0/3/5 = 192, PCA float,
// temperatures out); selection = best F1 with FAR ≤ 10 % on the selection group.
// Run: ./node_modules/.bin/node bench/research/skab-crossval.ts [../shared/datasets/skab]
import { join } from 'node:path';
import { SKAB_EVALUATION, type EvaluationConfig } from '../../gateway/evaluate/config.ts';
import { loadDataset, SKAB_SPEC } from '../../gateway/evaluate/dataset.ts';
import { evaluateDataset } from '../../gateway/evaluate/benchmark.ts';
import { metrics, type Confusion } from '../../gateway/evaluate/metrics.ts';
import type { ScalarFeature } from '../../gateway/features/stats.ts';

const root = process.argv[2] ?? '../shared/datasets/skab';
const groups = ['valve1', 'other'] as const;
const data = Object.fromEntries(groups.map((g) => [g, loadDataset(join(root, g), SKAB_SPEC).tables]));
const grid: { label: string; config: EvaluationConfig }[] = [];
for (const w of [4, 5, 6, 10]) for (const feats of [['mean'], ['mean', 'std']]) for (const margin of [1.5, 2, 2.5, 3]) for (const close of [1, 0.7]) for (const ema of [0, 3, 5]) {
  grid.push({
    label: `w ${w}, ${feats.join('+')}, margin ${margin}, close ${close}, EMA ${ema}`,
    config: { ...SKAB_EVALUATION, model: 'pca', int8: false, window: { size: w, features: feats as ScalarFeature[] }, smoothing: ema, calibration: { ...SKAB_EVALUATION.calibration, margin }, alert: { ...SKAB_EVALUATION.alert, closeRatio: close } },
  });
}
const fmt = (c: Confusion) => { const m = metrics(c); return `F1 ${m.f1.toFixed(3)} / FAR ${(m.far * 100).toFixed(2)} % / MAR ${(m.mar * 100).toFixed(2)} %`; };
const held: Confusion[] = [];
for (const [sel, test] of [['valve1', 'other'], ['other', 'valve1']] as const) {
  let best: { label: string; config: EvaluationConfig; c: Confusion } | undefined;
  for (const g of grid) {
    const c = (await evaluateDataset(data[sel], 400, g.config)).totals!;
    const m = metrics(c);
    if (m.far <= 0.1 && (!best || m.f1 > metrics(best.c).f1)) best = { ...g, c };
  }
  if (!best) throw new Error(`no configuration with FAR ≤ 10 % on ${sel}`);
  const t = (await evaluateDataset(data[test], 400, best.config)).totals!;
  held.push(t);
  console.log(`selected on ${sel} (${best.label}): ${sel} ${fmt(best.c)} → held-out ${test} ${fmt(t)}`);
}
const sum = held.reduce((a, c) => ({ tp: a.tp + c.tp, fp: a.fp + c.fp, tn: a.tn + c.tn, fn: a.fn + c.fn }), { tp: 0, fp: 0, tn: 0, fn: 0 });
console.log(`out-of-sample, both held-out groups summed (30 files): ${fmt(sum)}`);
