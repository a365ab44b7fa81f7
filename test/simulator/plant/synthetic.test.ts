import { describe, expect, it } from 'vitest';
import { SyntheticPlant } from '../../../gateway/simulator/plant/synthetic.ts';

describe('SyntheticPlant', () => {
  it('names N assets and M zero-padded tags', () => {
    const plant = new SyntheticPlant({ assets: 2, tagsPerAsset: 12, startMs: 0 });
    expect(plant.assets).toEqual(['asset-1', 'asset-2']);
    expect(plant.signals.map((s) => s.name).slice(0, 2)).toEqual(['tag_01', 'tag_02']);
    expect(plant.values).toHaveLength(24);
  });

  it('shifts every tag of a faulty asset by 10 × severity and leaves the others alone', () => {
    const healthy = new SyntheticPlant({ assets: 2, tagsPerAsset: 5, seed: 4, startMs: 0 });
    const faulty = new SyntheticPlant({ assets: 2, tagsPerAsset: 5, seed: 4, startMs: 0 });
    faulty.injectFault('asset-2', 'bearing-wear', { severity: 0.5, rampS: 0 });
    healthy.step(1);
    faulty.step(1);
    for (let i = 0; i < 5; i++) {
      expect(faulty.values[i]).toBe(healthy.values[i]);
      expect(faulty.values[5 + i] - healthy.values[5 + i]).toBeCloseTo(5, 9);
    }
  });

  it('rejects a size that is not a whole number', () => {
    expect(() => new SyntheticPlant({ assets: 0, tagsPerAsset: 5 })).toThrow('assets: expected a whole number >= 1, got 0');
    expect(() => new SyntheticPlant({ assets: 1, tagsPerAsset: 2.5 })).toThrow('tags-per-asset: expected a whole number >= 1, got 2.5');
  });
});
