import { describe, expect, it } from 'vitest';
import { fitPca } from '../../gateway/models/index.ts';
import { plantData, withFault } from './synthetic.ts';

describe('fitPca', () => {
  const train = plantData(3000, 6, { latent: 2, noise: 0.05 });
  const model = fitPca(train.X, train.nRows, train.nCols, { varianceKept: 0.95 });

  it('keeps the latent dimension of the data', () => {
    expect(model.params.k).toBe(2);
    expect(model.params.varianceKept).toBeGreaterThan(0.95);
  });

  it('reconstructs data inside the principal subspace with Q ≈ 0', () => {
    // Rows built from the mean plus a combination of the kept axes (in z units) lie in the subspace.
    const { mean, std } = model.normalisation;
    const { components: P, k } = model.params;
    const n = train.nCols;
    const X = new Float64Array(50 * n);
    for (let r = 0; r < 50; r++) {
      const t = [Math.sin(r) * 3, Math.cos(r * 0.7) * 2];
      for (let j = 0; j < n; j++) {
        let z = 0;
        for (let a = 0; a < k; a++) z += P[j * k + a] * t[a];
        X[r * n + j] = mean[j] + std[j] * z;
      }
    }
    const { q, t2 } = model.statistics(X, 50);
    for (let r = 0; r < 50; r++) {
      expect(q[r]).toBeLessThan(1e-18 + 1e-12 * t2[r]);
      expect(t2[r]).toBeGreaterThan(0);
    }
  });

  it('gives T² a training mean near k (it is a sum of k unit-variance squares)', () => {
    const { t2 } = model.statistics(train.X, train.nRows);
    const mean = t2.reduce((s, v) => s + v, 0) / train.nRows;
    expect(mean).toBeCloseTo(model.params.k, 1);
  });

  it('sets the limits so about 1 % of training rows exceed them', () => {
    const { q, t2 } = model.statistics(train.X, train.nRows);
    const over = (v: Float64Array, lim: number) => v.filter((x) => x > lim).length / v.length;
    expect(over(q, model.params.qLimit)).toBeCloseTo(0.01, 2);
    expect(over(t2, model.params.t2Limit)).toBeCloseTo(0.01, 2);
  });

  it('has contributions that sum to the score and point at the faulty sensor', () => {
    const faulty = withFault(train, 4, 1);
    const score = model.score(faulty, 200);
    const c = model.contributions(faulty, 200);
    let top = 0;
    for (let r = 0; r < 200; r++) {
      let sum = 0;
      let best = 0;
      for (let j = 0; j < 6; j++) {
        sum += c[r * 6 + j];
        if (c[r * 6 + j] > c[r * 6 + best]) best = j;
      }
      expect(sum).toBeCloseTo(score[r], 3);
      if (best === 4) top++;
    }
    expect(top / 200).toBeGreaterThan(0.9);
    expect(score.reduce((s, v) => s + v, 0) / 200).toBeGreaterThan(5);
  });

  it('scores only Q or only T² when asked', () => {
    const q = fitPca(train.X, train.nRows, train.nCols, { components: 2, score: 'q' });
    const t2 = fitPca(train.X, train.nRows, train.nCols, { components: 2, score: 't2' });
    const stats = q.statistics(train.X, 10);
    const sq = q.score(train.X, 10);
    const st = t2.score(train.X, 10);
    for (let r = 0; r < 10; r++) {
      expect(sq[r]).toBeCloseTo(stats.q[r] / q.params.qLimit, 4);
      expect(st[r]).toBeCloseTo(stats.t2[r] / t2.params.t2Limit, 4);
    }
  });

  it('rejects bad input with the row and column named', () => {
    const X = train.X.slice(0, 60);
    X[13] = Number.NaN;
    expect(() => fitPca(X, 10, 6)).toThrow('X[row 2, column 1] is NaN');
    expect(() => fitPca(train.X, 10, 6, { components: 6 })).toThrow('components must be an integer in [1, 5]');
    expect(() => fitPca(train.X, 100, 0)).toThrow('nCols must be a positive integer');
  });

  it('survives a constant input (a stuck sensor) without dividing by zero', () => {
    const X = train.X.slice();
    for (let r = 0; r < train.nRows; r++) X[r * 6 + 2] = 42;
    const m = fitPca(X, train.nRows, 6);
    expect(m.normalisation.std[2]).toBe(1);
    for (const v of m.score(X, 100)) expect(Number.isFinite(v)).toBe(true);
  });
});
