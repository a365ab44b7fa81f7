import { describe, expect, it } from 'vitest';
import { FeatureWindow, FeatureWindowError } from '../../gateway/features/index.ts';

/** Deterministic standard normal samples (Box–Muller on a small LCG) so the test never flakes. */
function gaussian(n: number, seed = 7): Float64Array {
  let s = seed >>> 0;
  const u = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

const feature = (w: FeatureWindow, v: Float64Array, name: string): number => v[w.layout.indexOf(name)];

describe('FeatureWindow', () => {
  it('does give A/√2 as the RMS and A as the peak of a whole-period sine', () => {
    const w = new FeatureWindow({ tags: ['vib'], size: 1000 });
    let ready = false;
    for (let i = 0; i < 1000; i++) ready = w.push([3 * Math.sin((2 * Math.PI * 5 * i) / 1000)]);
    expect(ready).toBe(true);
    const v = w.next();
    expect(feature(w, v, 'vib.rms')).toBeCloseTo(3 / Math.SQRT2, 6);
    expect(feature(w, v, 'vib.peak')).toBeCloseTo(3, 3);
    expect(feature(w, v, 'vib.crest')).toBeCloseTo(Math.SQRT2, 3);
    expect(feature(w, v, 'vib.mean')).toBeCloseTo(0, 9);
  });

  it('does give kurtosis ≈ 3 and skewness ≈ 0 for Gaussian samples', () => {
    const n = 20_000;
    const g = gaussian(n);
    const w = new FeatureWindow({ tags: ['x'], size: n, features: ['kurtosis', 'skewness', 'std'] });
    for (let i = 0; i < n; i++) w.push([10 + g[i]]);
    const v = w.next();
    expect(feature(w, v, 'x.kurtosis')).toBeGreaterThan(2.85);
    expect(feature(w, v, 'x.kurtosis')).toBeLessThan(3.15);
    expect(Math.abs(feature(w, v, 'x.skewness'))).toBeLessThan(0.05);
    expect(feature(w, v, 'x.std')).toBeCloseTo(1, 1);
  });

  it('does give the slope of a line, the min and the max', () => {
    const w = new FeatureWindow({ tags: ['a', 'b'], size: 50, features: ['slope', 'min', 'max'] });
    for (let i = 0; i < 120; i++) w.push([2.5 * i - 7, -i]);
    const v = w.next();
    expect(feature(w, v, 'a.slope')).toBeCloseTo(2.5, 9);
    expect(feature(w, v, 'b.slope')).toBeCloseTo(-1, 9);
    expect(feature(w, v, 'a.min')).toBeCloseTo(2.5 * 70 - 7, 9);
    expect(feature(w, v, 'b.max')).toBe(-70);
  });

  it('does emit a tumbling window every size samples and a sliding one every hop', () => {
    const count = (w: FeatureWindow, n: number): number[] => {
      const at: number[] = [];
      for (let i = 1; i <= n; i++) if (w.push([i])) at.push(i);
      return at;
    };
    expect(count(new FeatureWindow({ tags: ['t'], size: 4 }), 13)).toEqual([4, 8, 12]);
    expect(count(new FeatureWindow({ tags: ['t'], size: 4, hop: 2 }), 10)).toEqual([4, 6, 8, 10]);
    expect(count(new FeatureWindow({ tags: ['t'], size: 3, hop: 1 }), 5)).toEqual([3, 4, 5]);
  });

  it('does cover exactly the last size samples after the ring wraps', () => {
    const w = new FeatureWindow({ tags: ['t'], size: 4, hop: 1, features: ['mean', 'min', 'max'] });
    for (let i = 1; i <= 11; i++) w.push([i]);
    expect(Array.from(w.next())).toEqual([9.5, 8, 11]);
  });

  it('does write into a caller-supplied out vector and names features <tag>.<feature>', () => {
    const w = new FeatureWindow({ tags: ['pump.flow'], size: 2, features: ['mean', 'max'] });
    expect(w.layout.names).toEqual(['pump.flow.mean', 'pump.flow.max']);
    w.push([1]);
    w.push([3]);
    const out = new Float64Array(2);
    expect(w.next(out)).toBe(out);
    expect(Array.from(out)).toEqual([2, 3]);
  });

  it('does give a tag its own feature list when tagFeatures overrides it', () => {
    const w = new FeatureWindow({ tags: ['flow', 'temp'], size: 3, features: ['mean', 'std'], tagFeatures: { temp: ['slope'] } });
    expect(w.layout.names).toEqual(['flow.mean', 'flow.std', 'temp.slope']);
    for (let i = 0; i < 3; i++) w.push([1, 20 + 0.5 * i]);
    expect(Array.from(w.next())).toEqual([1, 0, 0.5]);
    expect(() => new FeatureWindow({ tags: ['a'], size: 3, tagFeatures: { b: ['mean'] } })).toThrow(/tagFeatures tag "b" is not one of the tags/);
  });

  it('does hold the last good value for a missing sample and count it', () => {
    const w = new FeatureWindow({ tags: ['t'], size: 3, features: ['mean'] });
    w.push([3]);
    w.push([NaN]);
    w.push([6]);
    expect(w.next()[0]).toBe(4);
    expect(w.heldValues).toBe(1);
  });

  it('does start over after reset', () => {
    const w = new FeatureWindow({ tags: ['t'], size: 2 });
    w.push([1]);
    w.push([2]);
    w.reset();
    expect(w.push([5])).toBe(false);
    expect(() => w.next()).toThrow(/only 1 of 2 samples/);
  });

  it('does reject bad options and bad samples with a precise error', () => {
    expect(() => new FeatureWindow({ tags: [], size: 4 })).toThrow(FeatureWindowError);
    expect(() => new FeatureWindow({ tags: ['a'], size: 4, hop: 5 })).toThrow(/hop must be an integer in 1\.\.size \(4\), got 5/);
    expect(() => new FeatureWindow({ tags: ['a'], size: 4, features: ['median' as never] })).toThrow(/unknown feature "median"/);
    expect(() => new FeatureWindow({ tags: ['a'], size: 6, spectral: { a: { sampleRate: 100, bands: [{ lo: 0, hi: 10 }] } } })).toThrow(/tag "a": spectrum size must be a power of two/);
    expect(() => new FeatureWindow({ tags: ['a', 'b'], size: 4 }).push([1])).toThrow(/expected 2 values \(a, b\), got 1/);
  });
});
