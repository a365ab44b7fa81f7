import { describe, expect, it } from 'vitest';
import { accumulate, emptyConfusion, metrics } from '../../gateway/evaluate/metrics.ts';

describe('metrics', () => {
  it('does count TP/FP/TN/FN point-wise and sum them over files', () => {
    const c = emptyConfusion();
    accumulate(c, [0, 0, 1, 1, 1, 0], [0, 1, 1, 1, 0, 0]);
    accumulate(c, [1, 0], [1, 1]);
    expect(c).toEqual({ tp: 3, fp: 2, tn: 2, fn: 1 });
  });

  it('does compute F1, FAR and MAR as SKAB defines them', () => {
    const m = metrics({ tp: 12, fp: 2, tn: 24, fn: 2 });
    expect(m.f1).toBeCloseTo(12 / (12 + (2 + 2) / 2), 12);
    expect(m.far).toBeCloseTo(2 / 26, 12);
    expect(m.mar).toBeCloseTo(2 / 14, 12);
  });

  it('does reject labels and predictions of different lengths', () => {
    expect(() => accumulate(emptyConfusion(), [0, 1], [0])).toThrow(/labels \(2\) and predictions \(1\) differ in length/);
  });
});
