/**
 * Threshold calibration from training scores (scores of data known to be normal), per asset.
 * - quantile: the q-quantile of the training scores × margin (the models' own quantileThreshold).
 * - pot: Peaks-Over-Threshold (Siffer et al., KDD 2017): fit a generalised Pareto distribution to the excesses over
 *   a high initial quantile and extrapolate to a target false-alarm risk far beyond what the training data shows.
 */
import { quantileThreshold } from '../models/threshold.ts';

export type CalibrationMethod = 'quantile' | 'pot';

export interface CalibrationOptions {
  method?: CalibrationMethod;
  /** quantile: which quantile of the training scores (default 0.99). */
  quantile?: number;
  /** pot: probability that a normal score exceeds the threshold (default 1e-3). */
  risk?: number;
  /** pot: quantile of the training scores the excesses are taken over (default 0.95). */
  initialQuantile?: number;
  /** Multiplies the calibrated threshold (default 1): head-room for normal variation not seen in training. */
  margin?: number;
  /**
   * What the margin scales: 'zero' (threshold × margin) or 'median' (median + (threshold − median) × margin), which
   * is the same head-room for scores that do not start at 0, such as an isolation forest's ~0.5 (default 'zero').
   */
  marginFrom?: 'zero' | 'median';
}

export interface Calibration {
  threshold: number;
  method: CalibrationMethod;
  /** The options the threshold came from, so a manifest can say how it was set. */
  quantile?: number;
  risk?: number;
  margin: number;
  marginFrom?: 'zero' | 'median';
  /** GPD fit (pot only). */
  gpd?: { shape: number; scale: number; initial: number; excesses: number };
  training: { n: number; mean: number; max: number };
}

export class CalibrationError extends Error {
  override name = 'CalibrationError';
}

/**
 * Generalised Pareto fit by the method of moments (Hosking & Wallis 1987). Hand-written: a closed form of two
 * lines; no kept JS library fits a GPD. Robust for the shapes seen in anomaly scores (ξ < 1/2).
 */
export function fitGpd(excesses: ArrayLike<number>): { shape: number; scale: number } {
  const n = excesses.length;
  if (n < 2) throw new CalibrationError(`GPD fit needs at least 2 excesses, got ${n}`);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += excesses[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (excesses[i] - mean) ** 2;
  v /= n - 1;
  if (!(v > 0) || !(mean > 0)) return { shape: 0, scale: Math.max(mean, Number.MIN_VALUE) };
  const r = (mean * mean) / v;
  return { shape: 0.5 * (1 - r), scale: 0.5 * mean * (r + 1) };
}

export function calibrateThreshold(scores: ArrayLike<number>, opts: CalibrationOptions = {}): Calibration {
  const method = opts.method ?? 'quantile';
  const margin = opts.margin ?? 1;
  const n = scores.length;
  if (opts.marginFrom === 'median' && n > 0 && margin !== 1) {
    const med = quantileThreshold(scores, 0.5);
    const c = calibrateThreshold(scores, { ...opts, margin: 1, marginFrom: 'zero' });
    return { ...c, margin, marginFrom: 'median', threshold: med + (c.threshold - med) * margin };
  }
  if (n === 0) throw new CalibrationError('threshold calibration: no training scores');
  let mean = 0;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (!Number.isFinite(s)) throw new CalibrationError(`threshold calibration: training score ${i} is ${s}`);
    mean += s;
    if (s > max) max = s;
  }
  mean /= n;
  const training = { n, mean, max };
  if (!(margin > 0)) throw new CalibrationError(`threshold calibration: margin must be > 0, got ${margin}`);
  if (method === 'quantile') {
    const q = opts.quantile ?? 0.99;
    return { threshold: quantileThreshold(scores, q) * margin, method, quantile: q, margin, training };
  }
  if (method !== 'pot') throw new CalibrationError(`threshold calibration: unknown method ${JSON.stringify(method)} (expected quantile or pot)`);
  const risk = opts.risk ?? 1e-3;
  const q0 = opts.initialQuantile ?? 0.95;
  if (!(risk > 0 && risk < 1 - q0)) throw new CalibrationError(`threshold calibration: pot risk must be in (0, ${1 - q0}), got ${risk}`);
  const initial = quantileThreshold(scores, q0);
  const ex: number[] = [];
  for (let i = 0; i < n; i++) if (scores[i] > initial) ex.push(scores[i] - initial);
  if (ex.length < 2) {
    // Too few distinct tail values to fit (e.g. a constant score): fall back to the largest score seen.
    return { threshold: max * margin, method, risk, margin, training };
  }
  const { shape, scale } = fitGpd(ex);
  const ratio = (risk * n) / ex.length;
  const z = Math.abs(shape) < 1e-9 ? initial - scale * Math.log(ratio) : initial + (scale / shape) * (Math.pow(ratio, -shape) - 1);
  return { threshold: z * margin, method, risk, margin, gpd: { shape, scale, initial, excesses: ex.length }, training };
}

/** One calibration per asset from each asset's training scores. */
export function calibrateAssets(scores: Readonly<Record<string, ArrayLike<number>>>, opts: CalibrationOptions = {}): Record<string, Calibration> {
  const out: Record<string, Calibration> = {};
  for (const [asset, s] of Object.entries(scores)) {
    try {
      out[asset] = calibrateThreshold(s, opts);
    } catch (err) {
      throw new CalibrationError(`asset ${JSON.stringify(asset)}: ${(err as Error).message}`);
    }
  }
  return out;
}
