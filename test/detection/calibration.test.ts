import { describe, expect, it } from 'vitest';
import { calibrateAssets, calibrateThreshold, fitGpd } from '../../gateway/detection/index.ts';

/** Deterministic exponential(1) samples by inverse CDF on an even grid. */
const exponential = (n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => -Math.log(1 - (i + 0.5) / n));

describe('calibrateThreshold', () => {
  it('does take the quantile of the training scores times the margin', () => {
    const s = Float64Array.from({ length: 101 }, (_, i) => i);
    expect(calibrateThreshold(s, { quantile: 0.9 }).threshold).toBeCloseTo(90, 9);
    expect(calibrateThreshold(s, { quantile: 0.9, margin: 2 }).threshold).toBeCloseTo(180, 9);
    // Head-room measured from the median (50): 50 + (90 − 50) × 2.
    expect(calibrateThreshold(s, { quantile: 0.9, margin: 2, marginFrom: 'median' }).threshold).toBeCloseTo(130, 9);
  });

  it('does extrapolate an exponential tail with POT to its true quantile', () => {
    const s = exponential(20_000);
    const c = calibrateThreshold(s, { method: 'pot', risk: 1e-5, initialQuantile: 0.95 });
    // For Exp(1) the 1 − 1e-5 quantile is ln(1e5) ≈ 11.51, beyond the largest of 20,000 samples; the GPD of exponential excesses has shape 0.
    expect(c.threshold).toBeGreaterThan(11);
    expect(c.threshold).toBeLessThan(12);
    expect(Math.abs(c.gpd!.shape)).toBeLessThan(0.1);
    expect(c.threshold).toBeGreaterThan(c.training.max);
  });

  it('does fit a GPD shape and scale from moments', () => {
    const g = fitGpd(exponential(50_000).map((x) => 2 * x));
    expect(g.scale).toBeCloseTo(2, 1);
    expect(Math.abs(g.shape)).toBeLessThan(0.02);
  });

  it('does calibrate each asset separately', () => {
    const c = calibrateAssets({ a: [1, 2, 3, 4], b: [10, 20, 30, 40] }, { quantile: 1 });
    expect(c.a.threshold).toBe(4);
    expect(c.b.threshold).toBe(40);
  });

  it('does reject bad training scores with a precise error', () => {
    expect(() => calibrateThreshold([])).toThrow(/no training scores/);
    expect(() => calibrateThreshold([1, NaN])).toThrow(/training score 1 is NaN/);
    expect(() => calibrateAssets({ p3: [] })).toThrow(/asset "p3": threshold calibration: no training scores/);
    expect(() => calibrateThreshold([1, 2], { method: 'pot', risk: 0.5 })).toThrow(/pot risk must be in/);
  });
});
