/**
 * Time-domain window statistics over one tag's samples in a ring buffer. Hand-written: these are a single pass of
 * sums each, and no kept library computes them in place on a ring segment without copying.
 */

export const SCALAR_FEATURES = ['mean', 'std', 'min', 'max', 'rms', 'peak', 'crest', 'kurtosis', 'skewness', 'slope'] as const;
export type ScalarFeature = (typeof SCALAR_FEATURES)[number];

/** Scratch the statistics are computed into, one slot per SCALAR_FEATURES entry (reused, never reallocated). */
export type ScalarStats = Float64Array;

export function newScalarStats(): ScalarStats {
  return new Float64Array(SCALAR_FEATURES.length);
}

/**
 * Statistics of the `len` samples that end just before `end` in a ring of capacity `cap`, stride `stride`,
 * channel offset `ch` (the ring holds all tags of an asset interleaved). Results go into `out` in
 * SCALAR_FEATURES order. Kurtosis is the plain (non-excess) m4/m2², 3 for a Gaussian; slope is per sample.
 */
export function ringStats(ring: Float64Array, cap: number, stride: number, ch: number, end: number, len: number, out: ScalarStats): ScalarStats {
  let start = end - len;
  if (start < 0) start += cap;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let sumSq = 0;
  let sumIdx = 0;
  for (let i = 0, p = start; i < len; i++) {
    const v = ring[p * stride + ch];
    sum += v;
    sumSq += v * v;
    sumIdx += i * v;
    if (v < min) min = v;
    if (v > max) max = v;
    if (++p === cap) p = 0;
  }
  const mean = sum / len;
  // Central moments in a second pass: one-pass m4 from raw sums loses everything to cancellation on offset signals.
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0, p = start; i < len; i++) {
    const d = ring[p * stride + ch] - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
    if (++p === cap) p = 0;
  }
  m2 /= len;
  m3 /= len;
  m4 /= len;
  const rms = Math.sqrt(sumSq / len);
  const peak = Math.max(Math.abs(min), Math.abs(max));
  const xm = (len - 1) / 2;
  const sxx = (len * (len * len - 1)) / 12; // Σ (i − x̄)² for i = 0..len−1
  out[0] = mean;
  out[1] = Math.sqrt(m2);
  out[2] = min;
  out[3] = max;
  out[4] = rms;
  out[5] = peak;
  out[6] = rms > 0 ? peak / rms : 0;
  out[7] = m2 > 0 ? m4 / (m2 * m2) : 0;
  out[8] = m2 > 0 ? m3 / Math.pow(m2, 1.5) : 0;
  out[9] = sxx > 0 ? (sumIdx - xm * sum) / sxx : 0;
  return out;
}
