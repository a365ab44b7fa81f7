import { describe, expect, it } from 'vitest';
import { GOOD, bad } from '../../gateway/core/sample.ts';
import { FeatureProcessor } from '../../gateway/features/index.ts';

describe('FeatureProcessor', () => {
  it('does keep one window per asset and take the tags of its first batch when none are configured', () => {
    const p = new FeatureProcessor({ size: 2, features: ['mean'] });
    expect(p.apply({ asset: 'm1', ts: 1, values: { amps: 10, on: true, label: 'x' }, quality: { amps: GOOD, on: GOOD, label: GOOD } })).toBeUndefined();
    expect(p.apply({ asset: 'm2', ts: 1, values: { amps: 50 } })).toBeUndefined();
    const f = p.apply({ asset: 'm1', ts: 2, values: { amps: 12, on: false, label: 'y' } });
    expect(f).toEqual({ asset: 'm1', ts: 2, features: { 'amps.mean': 11, 'on.mean': 0.5 } });
    expect(p.assetCount).toBe(2);
  });

  it('does treat bad quality and missing tags as missing values held at the last good one', () => {
    const p = new FeatureProcessor({ tags: ['a', 'b'], size: 3, features: ['max'], vector: true });
    p.apply({ asset: 'x', ts: 1, values: { a: 1, b: 2 } });
    p.apply({ asset: 'x', ts: 2, values: { a: 99, b: null }, quality: { a: bad('timeout', 'timeout'), b: GOOD } });
    const f = p.apply({ asset: 'x', ts: 3, values: { a: 3 } });
    expect(f?.vector).toEqual([3, 2]);
    expect(f?.names).toEqual(['a.max', 'b.max']);
  });

  it('does reject bad options at construction and bad batches with the asset named', () => {
    expect(() => new FeatureProcessor({ size: 1 })).toThrow(/size must be an integer ≥ 2, got 1/);
    const p = new FeatureProcessor({ size: 2, maxAssets: 1 });
    expect(() => p.apply({ asset: 'a', ts: 1, values: { s: 'text' } })).toThrow(/asset "a": no numeric tags in the first batch/);
    // A device that is down at start delivers batches with nothing read: skipped quietly, the layout waits for values.
    expect(p.apply({ asset: 'a', ts: 1, values: { v: null }, quality: { v: bad('timeout', 'timeout') } })).toBeUndefined();
    expect(p.assetCount).toBe(0);
    p.apply({ asset: 'a', ts: 1, values: { v: 1 } });
    expect(() => p.apply({ asset: 'b', ts: 1, values: { v: 1 } })).toThrow(/asset "b" would exceed the limit of 1 assets/);
  });
});
