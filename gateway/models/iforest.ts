/**
 * Isolation forest (Liu, Ting & Zhou 2008) on z-scores. Trees are stored flat in pre-order so they map 1:1 onto
 * the ai.onnx.ml TreeEnsembleRegressor attributes. Hand-written: no kept npm isolation-forest package exposes its
 * trees' split features and thresholds, which the ONNX export needs.
 */
import { ModelBase } from './model-base.ts';
import { checkMatrix, fitNormalisation, normalisationToJSON, outBuffer, seededRandom, standardise } from './normalise.ts';
import type { IsolationForestOptions, IsolationForestParams, Matrix, Normalisation, TreeJSON } from './types.ts';

/** Average path length of an unsuccessful BST search among n points: c(n) = 2H(n−1) − 2(n−1)/n. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649015329) - (2 * (n - 1)) / n;
}

/** Keeps contributions finite for a row exactly at the training mean (all z = 0). */
export const CONTRIBUTION_EPS = 1e-12;

export class IsolationForest extends ModelBase<IsolationForestParams> {
  readonly family = 'iforest' as const;
  readonly normaliser: number;

  constructor(params: IsolationForestParams) {
    super(params);
    this.normaliser = averagePathLength(params.sampleSize);
  }

  /** Mean path length E[h(x)] over the trees, per row, from z-scores (or int8 codes with their trees). */
  meanPathLength(Z: Float64Array, nRows: number, trees: readonly TreeJSON[] = this.params.trees): Float64Array {
    const n = this.nInputs;
    const h = new Float64Array(nRows);
    for (let r = 0; r < nRows; r++) {
      let s = 0;
      for (const t of trees) {
        let node = 0;
        while (t.feature[node] >= 0) node = Z[r * n + t.feature[node]] < t.threshold[node] ? t.left[node] : t.right[node];
        s += t.value[node];
      }
      h[r] = s / trees.length;
    }
    return h;
  }

  /** Not the sum of the contributions' parts: computed directly, as the graph does, then shared out. */
  override score(X: Matrix, nRows: number, out?: Float32Array): Float32Array {
    const res = outBuffer(out, nRows, 'iforest score');
    const h = this.meanPathLength(standardiseF32(X, nRows, this.normalisation), nRows);
    for (let r = 0; r < nRows; r++) res[r] = 2 ** (-h[r] / this.normaliser);
    return res;
  }

  contributions(X: Matrix, nRows: number, out?: Float32Array): Float32Array {
    const n = this.nInputs;
    const res = outBuffer(out, nRows * n, 'iforest contributions');
    const Z = standardiseF32(X, nRows, this.normalisation);
    const h = this.meanPathLength(Z, nRows);
    for (let r = 0; r < nRows; r++) {
      const score = 2 ** (-h[r] / this.normaliser);
      let ss = CONTRIBUTION_EPS;
      for (let j = 0; j < n; j++) ss += Z[r * n + j] ** 2;
      for (let j = 0; j < n; j++) res[r * n + j] = (score * Z[r * n + j] ** 2) / ss;
    }
    return res;
  }
}

/** z-scores computed in float32 exactly as the graph's Sub/Div do, so tree branches match the graph's. */
export function standardiseF32(X: Matrix, nRows: number, norm: Normalisation): Float64Array {
  const n = norm.mean.length;
  const Z = new Float64Array(nRows * n);
  for (let i = 0; i < nRows * n; i++) {
    const c = i % n;
    Z[i] = Math.fround(Math.fround(Math.fround(X[i]) - Math.fround(norm.mean[c])) / Math.fround(norm.std[c]));
  }
  return Z;
}

export function fitIsolationForest(X: Matrix, nRows: number, nCols: number, options: IsolationForestOptions = {}): IsolationForest {
  checkMatrix(X, nRows, nCols, 'fitIsolationForest');
  // Defaults sized for the 64 KB model budget (~21 B per tree node in ONNX; 50 × ψ 64 ≈ 52 KB on SKAB).
  const nTrees = options.trees ?? 50;
  const sampleSize = Math.min(options.sampleSize ?? 64, nRows);
  const maxDepth = options.maxDepth ?? Math.ceil(Math.log2(Math.max(2, sampleSize)));
  for (const [name, v] of [['trees', nTrees], ['sampleSize', sampleSize], ['maxDepth', maxDepth]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`fitIsolationForest: ${name} must be a positive integer, got ${v}`);
  }
  const rand = seededRandom(options.seed ?? 1);
  const norm = fitNormalisation(X, nRows, nCols);
  const Z = standardise(X, nRows, norm);
  const zMin = new Array<number>(nCols).fill(Infinity);
  const zMax = new Array<number>(nCols).fill(-Infinity);
  for (let i = 0; i < nRows * nCols; i++) {
    const c = i % nCols;
    if (Z[i] < zMin[c]) zMin[c] = Z[i];
    if (Z[i] > zMax[c]) zMax[c] = Z[i];
  }
  const trees: TreeJSON[] = [];
  const pool = Uint32Array.from({ length: nRows }, (_, i) => i);
  for (let t = 0; t < nTrees; t++) {
    // Partial Fisher–Yates: the first sampleSize entries become a sample without replacement.
    for (let i = 0; i < sampleSize; i++) {
      const j = i + Math.floor(rand() * (nRows - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    trees.push(growTree(Z, nCols, Array.from(pool.subarray(0, sampleSize)), maxDepth, rand));
    options.onProgress?.(t + 1, nTrees);
  }
  return new IsolationForest({ family: 'iforest', normalisation: normalisationToJSON(norm), sampleSize, trees, zMin, zMax });
}

function growTree(Z: Float64Array, nCols: number, rows: number[], maxDepth: number, rand: () => number): TreeJSON {
  const tree: TreeJSON = { feature: [], threshold: [], left: [], right: [], value: [] };
  const grow = (idx: number[], depth: number): number => {
    const id = tree.feature.length;
    tree.feature.push(-1); tree.threshold.push(0); tree.left.push(-1); tree.right.push(-1); tree.value.push(0);
    if (depth < maxDepth && idx.length > 1) {
      // Pick among the features that still vary in this node, so a constant input never wastes a split.
      const candidates: [number, number, number][] = [];
      for (let c = 0; c < nCols; c++) {
        let lo = Infinity, hi = -Infinity;
        for (const r of idx) { const v = Z[r * nCols + c]; if (v < lo) lo = v; if (v > hi) hi = v; }
        if (hi > lo) candidates.push([c, lo, hi]);
      }
      if (candidates.length > 0) {
        const [c, lo, hi] = candidates[Math.floor(rand() * candidates.length)];
        // float32, as ONNX stores thresholds, so the graph takes the same branches as this reference.
        const split = Math.fround(lo + rand() * (hi - lo));
        const left = idx.filter((r) => Z[r * nCols + c] < split);
        const right = idx.filter((r) => Z[r * nCols + c] >= split);
        if (left.length > 0 && right.length > 0) {
          tree.feature[id] = c;
          tree.threshold[id] = split;
          tree.left[id] = grow(left, depth + 1);
          tree.right[id] = grow(right, depth + 1);
          return id;
        }
      }
    }
    tree.value[id] = depth + averagePathLength(idx.length);
    return id;
  };
  grow(rows, 0);
  return tree;
}

/** Per-input int8 grid over the training z-range: code = clamp(round(z / scale) + zeroPoint, −128, 127). */
export interface Int8Grid {
  scale: Float32Array;
  zeroPoint: Int8Array;
}

export function int8Grid(params: IsolationForestParams): Int8Grid {
  const n = params.zMin.length;
  const scale = new Float32Array(n);
  const zeroPoint = new Int8Array(n);
  for (let c = 0; c < n; c++) {
    scale[c] = Math.max((params.zMax[c] - params.zMin[c]) / 254, 1e-6);
    zeroPoint[c] = Math.max(-128, Math.min(127, Math.round(-127 - params.zMin[c] / scale[c])));
  }
  return { scale, zeroPoint };
}

/** The trees re-expressed on int8 codes: a threshold t becomes round(t/scale + zeroPoint) − 0.5. */
export function treesOnGrid(trees: readonly TreeJSON[], grid: Int8Grid): TreeJSON[] {
  return trees.map((t) => ({
    ...t,
    threshold: t.threshold.map((v, i) => (t.feature[i] < 0 ? v : Math.round(v / grid.scale[t.feature[i]] + grid.zeroPoint[t.feature[i]]) - 0.5)),
  }));
}

/** QuantizeLinear as onnxruntime computes it (float32 divide, round half to even, saturate). */
function quantise(z: number, scale: number, zeroPoint: number): number {
  const v = Math.fround(z / scale);
  let r = Math.round(v);
  if (Math.abs(v % 1) === 0.5 && r % 2 !== 0) r -= 1;
  return Math.max(-128, Math.min(127, r + zeroPoint));
}

/** TypeScript reference of the int8 graph's score: the same forest walked on int8 codes. */
export function int8Scores(model: IsolationForest, X: Matrix, nRows: number): Float32Array {
  const grid = int8Grid(model.params);
  const n = model.nInputs;
  const codes = standardiseF32(X, nRows, model.normalisation);
  for (let i = 0; i < codes.length; i++) codes[i] = quantise(codes[i], grid.scale[i % n], grid.zeroPoint[i % n]);
  const h = model.meanPathLength(codes, nRows, treesOnGrid(model.params.trees, grid));
  return Float32Array.from(h, (v) => 2 ** (-v / model.normaliser));
}
