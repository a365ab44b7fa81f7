/**
 * Every family's ONNX graph (float and int8, several opsets) against its TypeScript reference, in onnxruntime-node.
 * Tolerances, on |onnx − reference| ≤ tol · max(1, |reference|):
 *   float 1e-4 (float32 graph vs double reference);
 *   int8  PCA/AE 5e-2 (per-channel int8 weights; measured on SKAB ≤ 1e-2), iforest 5e-2 against the float reference
 *   and 1e-5 against the int8 reference (the same trees walked on int8 codes); knn 5e-2 on scores, but its
 *   contributions only to 0.3 with the top input agreeing on ≥ 90 % of rows: int8 memory rows can change which
 *   neighbours are nearest, which moves the per-input split more than the total.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fitAutoencoder, fitIsolationForest, fitKnn, fitPca, OnnxScorer, toOnnx, type AnomalyModel,
} from '../../gateway/models/index.ts';
import { int8Scores, type IsolationForest } from '../../gateway/models/iforest.ts';
import { decodeModel } from '../../gateway/models/onnx/graph.ts';
import { plantData, withFault, worstRelative } from './synthetic.ts';

const FLOAT_TOL = 1e-4;
const INT8_TOL = 5e-2;

const train = plantData(2000, 6);
// Normal rows and faulty rows, so scores span both sides of any threshold.
const test = plantData(300, 6, { seed: 99 });
const X = new Float32Array(600 * 6);
X.set(Float32Array.from(test.X));
X.set(Float32Array.from(withFault(test, 3, 2)), 300 * 6);
const N = 600;

const models: Record<string, AnomalyModel> = {};
beforeAll(async () => {
  models.pca = fitPca(train.X, train.nRows, train.nCols);
  models.ae = await fitAutoencoder(train.X, train.nRows, train.nCols, { epochs: 15 });
  models.iforest = fitIsolationForest(train.X, train.nRows, train.nCols, { trees: 40, sampleSize: 64 });
  models.knn = fitKnn(train.X, train.nRows, train.nCols);
});

const scorers: OnnxScorer[] = [];
afterAll(async () => {
  for (const s of scorers) await s.dispose();
});

/** Share of rows whose largest contribution is on the same input in both. */
function topInputAgreement(a: Float32Array, b: Float32Array): number {
  const top = (c: Float32Array, r: number) => {
    let best = 0;
    for (let j = 1; j < 6; j++) if (c[r * 6 + j] > c[r * 6 + best]) best = j;
    return best;
  };
  let same = 0;
  for (let r = 0; r < N; r++) if (top(a, r) === top(b, r)) same++;
  return same / N;
}

async function run(model: AnomalyModel, int8: boolean, opset?: number) {
  const bytes = toOnnx(model, { int8, opset });
  const scorer = await OnnxScorer.create(bytes);
  scorers.push(scorer);
  return { bytes, ...(await scorer.run(X, N)) };
}

describe('toOnnx', () => {
  for (const family of ['pca', 'ae', 'iforest', 'knn']) {
    for (const opset of [11, 13, 17, 21, 23]) {
      it(`exports ${family} at opset ${opset} with scores and contributions equal to the reference (rel ${FLOAT_TOL})`, async () => {
        const model = models[family];
        const out = await run(model, false, opset);
        expect(out.score.length).toBe(N);
        expect(out.contributions.length).toBe(N * 6);
        expect(worstRelative(out.score, model.score(X, N), FLOAT_TOL)).toBeLessThanOrEqual(1);
        expect(worstRelative(out.contributions, model.contributions(X, N), FLOAT_TOL)).toBeLessThanOrEqual(1);
        expect(out.bytes.length).toBeLessThanOrEqual(64 * 1024);
      });
    }

    it(`exports an int8 ${family} whose scores stay within ${INT8_TOL} of the float reference`, async () => {
      const model = models[family];
      const out = await run(model, true);
      expect(worstRelative(out.score, model.score(X, N), INT8_TOL)).toBeLessThanOrEqual(1);
      const ref = model.contributions(X, N);
      expect(worstRelative(out.contributions, ref, family === 'knn' ? 0.3 : INT8_TOL)).toBeLessThanOrEqual(1);
      expect(topInputAgreement(out.contributions, ref)).toBeGreaterThanOrEqual(0.9);
      // It really is int8: the graph carries int8 tensors.
      const graph = decodeModel(out.bytes).graph;
      const int8Tensors = graph.initializer.filter((t: { dataType: number }) => t.dataType === 3);
      expect(int8Tensors.length).toBeGreaterThan(0);
    });
  }

  it('makes the int8 isolation forest equal to its own int8 reference (trees on int8 codes)', async () => {
    const model = models.iforest as IsolationForest;
    const out = await run(model, true);
    expect(worstRelative(out.score, int8Scores(model, X, N), 1e-5)).toBeLessThanOrEqual(1);
  });

  it('separates faulty from normal rows in every variant', async () => {
    for (const family of ['pca', 'ae', 'iforest', 'knn']) {
      for (const int8 of [false, true]) {
        const { score } = await run(models[family], int8);
        const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
        expect(mean(score.subarray(300)), `${family} int8=${int8}`).toBeGreaterThan(mean(score.subarray(0, 300)) * 1.1);
      }
    }
  });

  it('exports the isolation forest at ai.onnx.ml opset 1 as well as 3', async () => {
    const model = models.iforest;
    for (const mlOpset of [1, 3] as const) {
      const bytes = toOnnx(model, { mlOpset });
      expect(decodeModel(bytes).opsetImport).toContainEqual({ domain: 'ai.onnx.ml', version: mlOpset });
      const scorer = await OnnxScorer.create(bytes);
      scorers.push(scorer);
      expect(worstRelative((await scorer.run(X, N)).score, model.score(X, N), FLOAT_TOL)).toBeLessThanOrEqual(1);
    }
  });

  it('stores the normalisation in the graph (Sub, Div on the raw input)', () => {
    const graph = decodeModel(toOnnx(models.pca)).graph;
    expect(graph.node.slice(0, 2).map((n: { opType: string }) => n.opType)).toEqual(['Sub', 'Div']);
    expect(graph.input[0].name).toBe('x');
    expect(graph.output.map((o: { name: string }) => o.name)).toEqual(['score', 'contributions']);
  });

  it('refuses opsets it cannot honour', () => {
    expect(() => toOnnx(models.pca, { opset: 9 })).toThrow('opset must be an integer in 11–23, got 9');
    expect(() => toOnnx(models.ae, { opset: 11, int8: true })).toThrow('int8 export needs opset ≥ 13');
  });
});

describe('onnx.proto.json', () => {
  it('is the JSON form of onnx.proto (regenerate: ./node_modules/.bin/node gateway/models/onnx/proto-json.ts)', async () => {
    const { readFileSync } = await import('node:fs');
    const { PROTO_JSON_PATH, protoDescriptorJson } = await import('../../gateway/models/onnx/proto-json.ts');
    expect(readFileSync(PROTO_JSON_PATH, 'utf8')).toBe(protoDescriptorJson());
  });
});
