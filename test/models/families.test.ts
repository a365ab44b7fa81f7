import { describe, expect, it } from 'vitest';
import { fitAutoencoder, fitIsolationForest, fitModel, modelFromJSON } from '../../gateway/models/index.ts';
import { averagePathLength } from '../../gateway/models/iforest.ts';
import { plantData, withFault } from './synthetic.ts';

const train = plantData(1500, 5);
const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;

describe('fitAutoencoder', () => {
  it('lowers its reconstruction loss while training and is reproducible from its seed', async () => {
    const losses: number[] = [];
    const a = await fitAutoencoder(train.X, train.nRows, train.nCols, { epochs: 20, seed: 3, onProgress: (_e, _n, loss) => losses.push(loss) });
    const b = await fitAutoencoder(train.X, train.nRows, train.nCols, { epochs: 20, seed: 3 });
    expect(losses.length).toBe(20);
    expect(losses[19]).toBeLessThan(losses[0] * 0.5);
    expect(a.toJSON()).toEqual(b.toJSON());
    expect(a.sizes).toEqual([5, 10, 2, 10, 5]);
  });

  it('scores faulty rows higher, with the faulty sensor on top of the contributions', async () => {
    const m = await fitAutoencoder(train.X, train.nRows, train.nCols, { epochs: 30 });
    const faulty = withFault(train, 1, 2);
    expect(mean(m.score(faulty, 300))).toBeGreaterThan(3 * mean(m.score(train.X, 300)));
    const c = m.contributions(faulty, 300);
    let top = 0;
    for (let r = 0; r < 300; r++) if (c.subarray(r * 5, r * 5 + 5).every((v, j) => v <= c[r * 5 + 1] || j === 1)) top++;
    expect(top / 300).toBeGreaterThan(0.8);
  });

  it('rejects a bad shape', async () => {
    await expect(fitAutoencoder(train.X, train.nRows, train.nCols, { hidden: 0 })).rejects.toThrow('hidden must be a positive integer, got 0');
  });
});

describe('fitIsolationForest', () => {
  it('uses the published normaliser c(n)', () => {
    expect(averagePathLength(2)).toBe(1);
    expect(averagePathLength(256)).toBeCloseTo(10.2448, 3);
  });

  it('gives isolated rows scores above 0.5 and normal rows below', () => {
    const m = fitIsolationForest(train.X, train.nRows, train.nCols, { trees: 50, sampleSize: 128 });
    const far = withFault(train, 2, 8);
    const normal = mean(m.score(train.X, 500));
    expect(normal).toBeLessThan(0.5);
    expect(mean(m.score(far, 500))).toBeGreaterThan(0.5);
    expect(mean(m.score(far, 500))).toBeGreaterThan(normal + 0.08);
    const c = m.contributions(far, 1);
    const s = m.score(far, 1);
    expect(c.reduce((a, v) => a + v, 0)).toBeCloseTo(s[0], 5);
    expect(Math.max(...c)).toBe(c[2]);
  });

  it('grows the same forest from the same seed, and a different one from another', () => {
    const a = fitIsolationForest(train.X, train.nRows, train.nCols, { trees: 5, seed: 1 });
    const b = fitIsolationForest(train.X, train.nRows, train.nCols, { trees: 5, seed: 1 });
    const c = fitIsolationForest(train.X, train.nRows, train.nCols, { trees: 5, seed: 2 });
    expect(a.toJSON()).toEqual(b.toJSON());
    expect(a.toJSON()).not.toEqual(c.toJSON());
  });
});

describe('fitModel / modelFromJSON', () => {
  it('rebuilds every family from its JSON with identical scores', async () => {
    for (const family of ['pca', 'ae', 'iforest'] as const) {
      const m = await fitModel(family, train.X, train.nRows, train.nCols, { ae: { epochs: 3 }, iforest: { trees: 5 } });
      const back = modelFromJSON(JSON.parse(JSON.stringify(m.toJSON())));
      expect(back.family).toBe(family);
      expect(Array.from(back.score(train.X, 20))).toEqual(Array.from(m.score(train.X, 20)));
    }
    expect(() => modelFromJSON({ family: 'svm' } as never)).toThrow("unknown model family 'svm'");
  });
});

describe('fitKnn', () => {
  it('scores a remembered row 0 with k = 1, and faulty rows far above normal ones', async () => {
    const { fitKnn } = await import('../../gateway/models/index.ts');
    const m = fitKnn(train.X, train.nRows, train.nCols, { k: 1 });
    expect(m.params.rows).toBe(750); // every other training row
    expect(m.score(train.X, 1)[0]).toBeCloseTo(0, 10); // row 0 is the first memory row
    const faulty = withFault(train, 3, 2);
    // Same plant (same seed), rows it has not seen.
    const unseen = plantData(2000, 5).X.subarray(1500 * 5);
    expect(mean(m.score(faulty, 500))).toBeGreaterThan(5 * mean(m.score(unseen, 500)));
    const c = m.contributions(faulty, 200);
    let top = 0;
    for (let r = 0; r < 200; r++) if (c.subarray(r * 5, r * 5 + 5).every((v) => v <= c[r * 5 + 3])) top++;
    expect(top / 200).toBeGreaterThan(0.8);
    expect(() => fitKnn(train.X, 4, 5, { k: 3 })).toThrow('k = 3 needs at least 3 memory rows, the data gives 2');
  });
});
