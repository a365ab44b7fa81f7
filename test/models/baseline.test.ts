import { describe, expect, it } from 'vitest';
import { BaselineLearner } from '../../gateway/models/index.ts';
import { plantData, withFault } from './synthetic.ts';

const data = plantData(3000, 4);
const row = (X: Float64Array, r: number) => X.subarray(r * 4, r * 4 + 4);

describe('BaselineLearner', () => {
  it('collects a span of normal rows, fits, calibrates and scores faults above its threshold', async () => {
    const learner = new BaselineLearner({ family: 'pca', nInputs: 4, spanMs: 60_000 });
    let state = learner.state;
    let r = 0;
    // 1 row per 100 ms: the 60 s span completes at the 601st row.
    while (state === 'collecting') state = learner.add(row(data.X, r), 1_000_000 + 100 * r++);
    expect(state).toBe('ready');
    expect(learner.rows).toBe(601);
    expect(learner.progress).toBe(1);
    const base = await learner.fit();
    expect(learner.state).toBe('fitted');
    expect(base.span).toEqual({ from: 1_000_000, to: 1_060_000 });
    const normal = await base.scorer.run(Float32Array.from(data.X.subarray(2000 * 4)), 1000);
    const faulty = await base.scorer.run(Float32Array.from(withFault(data, 2, 6).subarray(2000 * 4)), 1000);
    const over = (s: Float32Array) => s.filter((v) => v > base.threshold).length / s.length;
    expect(over(normal.score)).toBeLessThan(0.05);
    expect(over(faulty.score)).toBeGreaterThan(0.9);
    await base.scorer.dispose();
  });

  it('grows its buffer past the first guess and stops at a row count', async () => {
    const learner = new BaselineLearner({ family: 'iforest', nInputs: 4, rows: 2500, fit: { iforest: { trees: 10 } }, int8: true });
    for (let r = 0; r < 2500; r++) learner.add(row(data.X, r), r);
    expect(learner.state).toBe('ready');
    expect(learner.add(row(data.X, 0))).toBe('ready');
    expect(learner.rows).toBe(2500);
    const base = await learner.fit();
    expect(base.rows).toBe(2500);
    await base.scorer.dispose();
  });

  it('refuses bad rows and too little data, naming the problem', async () => {
    const learner = new BaselineLearner({ family: 'ae', nInputs: 4, rows: 100 });
    expect(() => learner.add([1, 2, 3])).toThrow('row has 3 values, expected 4');
    expect(() => learner.add([1, 2, Number.NaN, 4])).toThrow('input 2 is NaN');
    learner.add([1, 2, 3, 4]);
    await expect(learner.fit()).rejects.toThrow('1 rows collected, at least 18 needed to fit a ae baseline');
    expect(() => new BaselineLearner({ family: 'pca', nInputs: 4 })).toThrow('set rows or spanMs');
  });
});
