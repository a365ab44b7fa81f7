/** Property: for any small shape and data, every family's ONNX graph (float) agrees with its reference. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitModel, OnnxScorer, toOnnx, type ModelFamily } from '../../gateway/models/index.ts';
import { int8Scores, type IsolationForest } from '../../gateway/models/iforest.ts';
import { plantData, worstRelative } from './synthetic.ts';

describe('toOnnx (property)', () => {
  it('matches the reference for any input count 1–9, any family, float and int8', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 9 }),
        fc.constantFrom<ModelFamily>('pca', 'ae', 'iforest', 'knn'),
        fc.boolean(),
        fc.integer({ min: 1, max: 1000 }),
        async (nCols, family, int8, seed) => {
          const d = plantData(120, nCols, { latent: Math.max(1, nCols >> 1), seed });
          const model = await fitModel(family, d.X, 100, nCols, { ae: { epochs: 2, seed }, iforest: { trees: 4, seed }, knn: { k: 1 } });
          const scorer = await OnnxScorer.create(toOnnx(model, { int8 }));
          try {
            const X = Float32Array.from(d.X);
            const { score, contributions } = await scorer.run(X, 120);
            // A 4-tree int8 forest can flip a branch and move far from the float one: it is held to its own int8 reference.
            const exact = int8 && family === 'iforest';
            const ref = exact ? int8Scores(model as IsolationForest, X, 120) : model.score(X, 120);
            expect(score.every(Number.isFinite)).toBe(true);
            expect(contributions.length).toBe(120 * nCols);
            expect(worstRelative(score, ref, int8 && !exact ? 5e-2 : 1e-4)).toBeLessThanOrEqual(1);
          } finally {
            await scorer.dispose();
          }
        },
      ),
      { numRuns: 40, seed: 20261125 },
    );
  });
});
