/** Seeded synthetic plant data for the model tests: a few latent drivers seen through correlated sensors plus noise. */
import { seededRandom } from '../../gateway/models/normalise.ts';

export interface Synthetic {
  X: Float64Array;
  nRows: number;
  nCols: number;
}

function gaussian(rand: () => number): number {
  // Box–Muller; 1 − u keeps the log finite.
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** nCols sensors = fixed random mixing of `latent` drivers + noise, each with its own offset and unit. */
export function plantData(nRows: number, nCols = 6, { latent = 2, noise = 0.2, seed = 7 } = {}): Synthetic {
  const rand = seededRandom(seed);
  const mix = Array.from({ length: latent * nCols }, () => gaussian(rand));
  const offset = Array.from({ length: nCols }, (_, c) => 10 * (c + 1));
  const unit = Array.from({ length: nCols }, (_, c) => 0.5 + c);
  const X = new Float64Array(nRows * nCols);
  const l = new Float64Array(latent);
  for (let r = 0; r < nRows; r++) {
    for (let a = 0; a < latent; a++) l[a] = gaussian(rand);
    for (let c = 0; c < nCols; c++) {
      let v = noise * gaussian(rand);
      for (let a = 0; a < latent; a++) v += mix[a * nCols + c] * l[a];
      X[r * nCols + c] = offset[c] + unit[c] * v;
    }
  }
  return { X, nRows, nCols };
}

/** Copy of the data with a fault: `shift` (in units of that sensor's noise-free scale) added to column `col`. */
export function withFault(data: Synthetic, col: number, shift: number): Float64Array {
  const X = data.X.slice();
  for (let r = 0; r < data.nRows; r++) X[r * data.nCols + col] += shift * (0.5 + col);
  return X;
}

/** |a − b| ≤ tol · max(1, |b|) for every entry; returns the worst ratio to the allowance (≤ 1 passes). */
export function worstRelative(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (tol * Math.max(1, Math.abs(b[i]))));
  return worst;
}
