// Throwaway: window-mean features standardised by their own training-window statistics, scored by PCA T²+Q
// or a plain sum of squared z, smoothed, thresholded at a training quantile × margin.
// Run: ./node_modules/.bin/node bench/research/skab-window.ts w=10 mode=z q=1 mult=2 [drop=Temperature,Thermocouple]
import { EVD, Matrix } from 'ml-matrix';
import { loadDataset, SKAB_SPEC } from '../../gateway/evaluate/dataset.ts';
import { accumulate, emptyConfusion, metrics } from '../../gateway/evaluate/metrics.ts';

const { tables } = loadDataset('../shared/datasets/skab', SKAB_SPEC);
const TRAIN = 400;
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=')));
const W = Number(args.w ?? 10);
const Q = Number(args.q ?? 1);
const MULT = Number(args.mult ?? 1.5);
const MODE = args.mode ?? 'z';
const VAR = Number(args.var ?? 0.95);
const SMOOTH = Number(args.smooth ?? 0);
const FEATS = (args.feats ?? 'mean').split(',');
const DROP = new Set((args.drop ?? '').split(',').filter(Boolean));
const FLOOR = Number(args.floor ?? 0);
const MINDUR = Number(args.mindur ?? 0);
const HYST = Number(args.hyst ?? 1);
const SKIP = Number(args.skip ?? W); // training rows skipped while the first window fills

function windowFeatures(t: (typeof tables)[number]): { X: Float64Array; dd: number } {
  const d = t.columns.length, n = t.rows;
  const cols = t.columns.map((c, j) => [c, j] as const).filter(([c]) => !DROP.has(c));
  const dd = cols.length * FEATS.length;
  const X = new Float64Array(n * dd);
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - W + 1), m = i - lo + 1;
    let f = 0;
    for (const [, j] of cols) {
      let s = 0, s2 = 0, sx = 0;
      for (let k = lo; k <= i; k++) { const v = t.data[k * d + j]; s += v; s2 += v * v; sx += (k - lo) * v; }
      const mean = s / m;
      for (const F of FEATS) {
        if (F === 'mean') X[i * dd + f++] = mean;
        else if (F === 'std') X[i * dd + f++] = Math.sqrt(Math.max(0, s2 / m - mean * mean));
        else if (F === 'slope') { const xm = (m - 1) / 2; let sxx = 0; for (let k = 0; k < m; k++) sxx += (k - xm) ** 2; X[i * dd + f++] = sxx ? (sx - xm * s) / sxx : 0; }
      }
    }
  }
  return { X, dd };
}

function score(t: (typeof tables)[number]): Float64Array {
  const { X, dd } = windowFeatures(t);
  const n = t.rows, lo = Math.min(SKIP, TRAIN - 50), nt = TRAIN - lo;
  const mu = new Float64Array(dd), sd = new Float64Array(dd);
  for (let i = lo; i < TRAIN; i++) for (let j = 0; j < dd; j++) mu[j] += X[i * dd + j] / nt;
  for (let i = lo; i < TRAIN; i++) for (let j = 0; j < dd; j++) sd[j] += (X[i * dd + j] - mu[j]) ** 2 / (nt - 1);
  for (let j = 0; j < dd; j++) sd[j] = Math.max(Math.sqrt(sd[j]), FLOOR * Math.abs(mu[j])) + 1e-9;
  const s = new Float64Array(n);
  if (MODE === 'z' || MODE === 'zmax') {
    for (let i = 0; i < n; i++) { let a = 0; for (let j = 0; j < dd; j++) { const z = (X[i * dd + j] - mu[j]) / sd[j]; a = MODE === 'z' ? a + z * z : Math.max(a, Math.abs(z)); } s[i] = MODE === 'z' ? a / dd : a; }
    return s;
  }
  const Z = new Matrix(n, dd);
  for (let i = 0; i < n; i++) for (let j = 0; j < dd; j++) Z.set(i, j, (X[i * dd + j] - mu[j]) / sd[j]);
  const Ztr = Z.subMatrix(lo, TRAIN - 1, 0, dd - 1);
  const evd = new EVD(Ztr.transpose().mmul(Ztr).div(nt - 1), { assumeSymmetric: true });
  const ev = evd.realEigenvalues.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  const tot = ev.reduce((a, b) => a + b[0], 0);
  let k = 0, acc = 0;
  while (k < dd && acc / tot < VAR) { acc += ev[k][0]; k++; }
  const V = evd.eigenvectorMatrix;
  for (let i = 0; i < n; i++) {
    let t2 = 0, q = 0; const z = Z.getRow(i); const rec = new Float64Array(dd);
    for (let c = 0; c < k; c++) { const idx = ev[c][1]; let p = 0; for (let j = 0; j < dd; j++) p += z[j] * V.get(j, idx); t2 += p * p / Math.max(ev[c][0], 1e-9); for (let j = 0; j < dd; j++) rec[j] += p * V.get(j, idx); }
    for (let j = 0; j < dd; j++) q += (z[j] - rec[j]) ** 2;
    s[i] = MODE === 't' ? t2 / k : MODE === 'q' ? q : (t2 + q) / dd;
  }
  return s;
}

const conf = emptyConfusion();
for (const t of tables) {
  const s = score(t);
  const a = SMOOTH > 0 ? 2 / (SMOOTH + 1) : 1;
  let e = s[SKIP];
  for (let i = 0; i < t.rows; i++) { e = a * s[i] + (1 - a) * e; s[i] = e; }
  const tr = Array.from(s.subarray(Math.min(SKIP, TRAIN - 50), TRAIN)).sort((x, y) => x - y);
  const thr = tr[Math.min(tr.length - 1, Math.floor(Q * tr.length))] * MULT;
  const pred = new Uint8Array(t.rows - TRAIN);
  let open = false, run = 0;
  for (let i = TRAIN; i < t.rows; i++) {
    if (!open) { run = s[i] > thr ? run + 1 : 0; if (run > MINDUR) { open = true; for (let k = Math.max(TRAIN, i - MINDUR); k < i; k++) pred[k - TRAIN] = 0; } }
    else if (s[i] < thr * HYST) { open = false; run = 0; }
    pred[i - TRAIN] = open ? 1 : 0;
  }
  const c1 = accumulate(emptyConfusion(), t.labels!.subarray(TRAIN), pred);
  if (args.v) { const m = metrics(c1); console.log(t.relPath.padEnd(14), c1.tp, c1.fp, c1.tn, c1.fn, m.f1.toFixed(2), m.far.toFixed(2)); }
  accumulate(conf, t.labels!.subarray(TRAIN), pred);
}
const m = metrics(conf);
console.log(JSON.stringify(args), `F1=${m.f1.toFixed(3)} FAR=${(m.far * 100).toFixed(2)}% MAR=${(m.mar * 100).toFixed(2)}%`);
