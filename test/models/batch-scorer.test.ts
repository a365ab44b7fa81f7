import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchScorer, fitPca, OnnxScorer, toOnnx } from '../../gateway/models/index.ts';
import { plantData } from './synthetic.ts';

const data = plantData(1000, 5);
const model = fitPca(data.X, data.nRows, data.nCols);
const X = Float32Array.from(data.X);
const ref = model.score(X, 1000);
const refC = model.contributions(X, 1000);
let scorer: OnnxScorer;
beforeAll(async () => { scorer = await OnnxScorer.create(toOnnx(model)); });
afterAll(async () => { await scorer.dispose(); });

/** Rows [from, from + n) of the data, as one asset would submit them. */
const rows = (from: number, n: number) => X.slice(from * 5, (from + n) * 5);

describe('BatchScorer', () => {
  it('gives each caller the scores and contributions of its own rows', async () => {
    const batcher = new BatchScorer(scorer, { maxBatch: 256, maxWaitMs: 20 });
    const asks = Array.from({ length: 40 }, (_, i) => ({ from: i * 23, n: 1 + (i % 5) }));
    // One scratch buffer for every caller, overwritten right after each call, as a feature window would.
    const scratch = new Float32Array(5 * 5);
    const results = await Promise.all(asks.map((a) => {
      scratch.set(rows(a.from, a.n));
      const p = batcher.score(scratch, a.n);
      scratch.fill(Number.NaN);
      return p;
    }));
    results.forEach((res, i) => {
      const { from, n } = asks[i];
      expect(res.score.length).toBe(n);
      expect(res.contributions.length).toBe(n * 5);
      for (let r = 0; r < n; r++) expect(res.score[r]).toBeCloseTo(ref[from + r], 3);
      for (let k = 0; k < n * 5; k++) expect(res.contributions[k]).toBeCloseTo(refC[from * 5 + k], 3);
    });
    // 40 callers, 120 rows: far fewer runs than callers.
    expect(batcher.stats.rows).toBe(asks.reduce((s, a) => s + a.n, 0));
    expect(batcher.stats.batches).toBeLessThan(5);
    batcher.close();
  });

  it('sends a batch as soon as it is full, before the wait is over', async () => {
    const batcher = new BatchScorer(scorer, { maxBatch: 10, maxWaitMs: 60_000 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.score(rows(i, 1), 1)));
    expect(batcher.stats.batches).toBe(1);
    results.forEach((res, i) => expect(res.score[0]).toBeCloseTo(ref[i], 3));
    batcher.close();
  });

  it('runs a request larger than maxBatch on its own', async () => {
    const batcher = new BatchScorer(scorer, { maxBatch: 8 });
    const res = await batcher.score(rows(100, 50), 50);
    expect(res.score.length).toBe(50);
    expect(res.score[49]).toBeCloseTo(ref[149], 3);
    batcher.close();
  });

  it('flushes what is pending on close and refuses new work after', async () => {
    const batcher = new BatchScorer(scorer, { maxBatch: 100, maxWaitMs: 60_000 });
    const pending = batcher.score(rows(7, 2), 2);
    batcher.close();
    expect((await pending).score[1]).toBeCloseTo(ref[8], 3);
    await expect(batcher.score(rows(0, 1), 1)).rejects.toThrow('closed');
    expect(() => new BatchScorer(scorer, { maxBatch: 0 })).toThrow('maxBatch must be a positive integer');
  });
});

describe('BatchScorer failures', () => {
  it('rejects every caller of a batch whose run fails', async () => {
    const own = await OnnxScorer.create(toOnnx(model));
    const batcher = new BatchScorer(own, { maxBatch: 100, maxWaitMs: 1 });
    await own.dispose();
    const calls = [batcher.score(rows(0, 1), 1), batcher.score(rows(1, 2), 2)];
    for (const c of calls) await expect(c).rejects.toThrow('scorer was disposed');
    expect(batcher.stats.batches).toBe(1);
    batcher.close();
  });
});
