/** Threshold calibration from training scores: the default, a plain empirical quantile. */

/** The q-quantile (0 < q ≤ 1) of `values`, linear interpolation between order statistics (type 7, as numpy). */
export function quantileThreshold(values: ArrayLike<number>, q: number): number {
  if (!(q > 0 && q <= 1)) throw new RangeError(`quantile must be in (0, 1], got ${q}`);
  if (values.length === 0) throw new RangeError('quantile of no values');
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
