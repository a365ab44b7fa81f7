/** Per-input z-score normalisation learned from training data, and small helpers every family shares. */
import type { Matrix, Normalisation, NormalisationJSON } from './types.ts';

/** Spreads below this are treated as constant inputs (std 1), so a stuck sensor never divides by zero. */
const MIN_STD = 1e-9;

export function checkMatrix(X: Matrix, nRows: number, nCols: number, what: string): void {
  if (!Number.isInteger(nRows) || nRows < 1) throw new RangeError(`${what}: nRows must be a positive integer, got ${nRows}`);
  if (!Number.isInteger(nCols) || nCols < 1) throw new RangeError(`${what}: nCols must be a positive integer, got ${nCols}`);
  if (X.length < nRows * nCols) {
    throw new RangeError(`${what}: X holds ${X.length} values, fewer than nRows × nCols = ${nRows} × ${nCols}`);
  }
  for (let i = 0; i < nRows * nCols; i++) {
    if (!Number.isFinite(X[i])) {
      throw new RangeError(`${what}: X[row ${Math.floor(i / nCols)}, column ${i % nCols}] is ${X[i]}, expected a finite number`);
    }
  }
}

export function fitNormalisation(X: Matrix, nRows: number, nCols: number): Normalisation {
  const mean = new Float64Array(nCols);
  const std = new Float64Array(nCols);
  for (let r = 0; r < nRows; r++) for (let c = 0; c < nCols; c++) mean[c] += X[r * nCols + c];
  for (let c = 0; c < nCols; c++) mean[c] /= nRows;
  for (let r = 0; r < nRows; r++) {
    for (let c = 0; c < nCols; c++) {
      const d = X[r * nCols + c] - mean[c];
      std[c] += d * d;
    }
  }
  for (let c = 0; c < nCols; c++) {
    const s = Math.sqrt(std[c] / Math.max(1, nRows - 1));
    std[c] = s > MIN_STD * Math.max(1, Math.abs(mean[c])) ? s : 1;
  }
  return { mean, std };
}

/** z-scores of all rows, as a new Float64Array (training works in double precision). */
export function standardise(X: Matrix, nRows: number, norm: Normalisation): Float64Array {
  const nCols = norm.mean.length;
  const Z = new Float64Array(nRows * nCols);
  for (let r = 0; r < nRows; r++) {
    for (let c = 0; c < nCols; c++) Z[r * nCols + c] = (X[r * nCols + c] - norm.mean[c]) / norm.std[c];
  }
  return Z;
}

export function normalisationToJSON(norm: Normalisation): NormalisationJSON {
  return { mean: Array.from(norm.mean), std: Array.from(norm.std) };
}

export function normalisationFromJSON(json: NormalisationJSON): Normalisation {
  return { mean: Float64Array.from(json.mean), std: Float64Array.from(json.std) };
}

/** Output buffer of at least `length`, reusing the caller's when given. */
export function outBuffer(out: Float32Array | undefined, length: number, what: string): Float32Array {
  if (!out) return new Float32Array(length);
  if (out.length < length) throw new RangeError(`${what}: out has ${out.length} slots, needs ${length}`);
  return out;
}

/** Mulberry32: a tiny seeded PRNG so training is reproducible (Math.random cannot be seeded). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
