// Throwaway: how far does per-file PCA (T² + Q) with smoothing and a training-quantile threshold go on SKAB?
// Run: ./node_modules/.bin/node bench/research/skab-pca.ts
import { EVD, Matrix } from 'ml-matrix';
import { loadDataset, SKAB_SPEC } from '../../gateway/evaluate/dataset.ts';
import { accumulate, emptyConfusion, metrics } from '../../gateway/evaluate/metrics.ts';

const { tables } = loadDataset('../shared/datasets/skab', SKAB_SPEC);
const TRAIN = 400;
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=')));
const VAR = Number(args.var ?? 0.9);
const Q = Number(args.q ?? 0.99);
const SMOOTH = Number(args.smooth ?? 10);
const MULT = Number(args.mult ?? 1);
const MODE = args.mode ?? 'tq';
const W = Number(args.w ?? 0);

function score(tab: (typeof tables)[number]): { s: Float64Array } {
  const d = tab.columns.length, n = tab.rows;
  // features: raw standardised + optional rolling mean diff
  let X = tab.data;
  let dd = d;
  if (W > 0) {
    dd = 2 * d;
    X = new Float64Array(n * dd);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        let s = 0, c = 0;
        for (let k = Math.max(0, i - W + 1); k <= i; k++) { s += tab.data[k * d + j]; c++; }
        X[i * dd + j] = s / c;
        let v = 0;
        for (let k = Math.max(0, i - W + 1); k <= i; k++) { const e = tab.data[k * d + j] - s / c; v += e * e; }
        X[i * dd + d + j] = Math.sqrt(v / c);
      }
    }
  }
  const mu = new Float64Array(dd), sd = new Float64Array(dd);
  for (let i = 0; i < TRAIN; i++) for (let j = 0; j < dd; j++) mu[j] += X[i * dd + j] / TRAIN;
  for (let i = 0; i < TRAIN; i++) for (let j = 0; j < dd; j++) sd[j] += (X[i * dd + j] - mu[j]) ** 2 / (TRAIN - 1);
  for (let j = 0; j < dd; j++) sd[j] = Math.sqrt(sd[j]) || 1;
  const Z = new Matrix(n, dd);
  for (let i = 0; i < n; i++) for (let j = 0; j < dd; j++) Z.set(i, j, (X[i * dd + j] - mu[j]) / sd[j]);
  const Ztr = Z.subMatrix(0, TRAIN - 1, 0, dd - 1);
  const cov = Ztr.transpose().mmul(Ztr).div(TRAIN - 1);
  const evd = new EVD(cov, { assumeSymmetric: true });
  const ev = evd.realEigenvalues.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  const tot = ev.reduce((a, b) => a + b[0], 0);
  let k = 0, acc = 0;
  while (k < dd && acc / tot < VAR) { acc += ev[k][0]; k++; }
  const V = evd.eigenvectorMatrix;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let t2 = 0, q = 0;
    const z = Z.getRow(i);
    const rec = new Float64Array(dd);
    for (let c = 0; c < k; c++) {
      const idx = ev[c][1];
      let p = 0;
      for (let j = 0; j < dd; j++) p += z[j] * V.get(j, idx);
      t2 += (p * p) / Math.max(ev[c][0], 1e-9);
      for (let j = 0; j < dd; j++) rec[j] += p * V.get(j, idx);
    }
    for (let j = 0; j < dd; j++) q += (z[j] - rec[j]) ** 2;
    s[i] = MODE === 't' ? t2 : MODE === 'q' ? q : MODE === 'z' ? z.reduce((a, b) => a + b * b, 0) : t2 / k + q / Math.max(1, dd - k);
  }
  return { s };
}

const conf = emptyConfusion();
for (const tab of tables) {
  const { s } = score(tab);
  // smoothing: trailing EMA
  const a = SMOOTH > 0 ? 2 / (SMOOTH + 1) : 1;
  const sm = new Float64Array(tab.rows);
  let e = s[0];
  for (let i = 0; i < tab.rows; i++) { e = a * s[i] + (1 - a) * e; sm[i] = e; }
  const tr = Array.from(sm.subarray(0, TRAIN)).sort((x, y) => x - y);
  const thr = tr[Math.min(TRAIN - 1, Math.floor(Q * TRAIN))] * MULT;
  const pred = new Uint8Array(tab.rows - TRAIN);
  for (let i = TRAIN; i < tab.rows; i++) pred[i - TRAIN] = sm[i] > thr ? 1 : 0;
  const c1 = accumulate(emptyConfusion(), tab.labels!.subarray(TRAIN), pred);
  if (args.v) console.log(tab.relPath, JSON.stringify(metrics(c1)));
  accumulate(conf, tab.labels!.subarray(TRAIN), pred);
}
const m = metrics(conf);
console.log(JSON.stringify(args), `F1=${m.f1.toFixed(3)} FAR=${(m.far * 100).toFixed(2)}% MAR=${(m.mar * 100).toFixed(2)}%`);
