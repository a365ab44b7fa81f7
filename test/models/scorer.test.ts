import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fitPca, ModelLoadError, OnnxScorer, toOnnx } from '../../gateway/models/index.ts';
import { GraphBuilder } from '../../gateway/models/onnx/graph.ts';
import { plantData } from './synthetic.ts';

const data = plantData(500, 4);
const model = fitPca(data.X, data.nRows, data.nCols);
const bytes = toOnnx(model);
const dir = mkdtempSync(join(tmpdir(), 'telltale-scorer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A valid ONNX graph that breaks the Telltale contract in one way. */
function graphWith(inputName: string, outputs: [string, (number | string)[]][]): Uint8Array {
  const g = new GraphBuilder(17);
  g.input(inputName, ['N', 4]);
  g.node('Identity', [inputName], {}, 'contributions');
  g.reduceSumRows('contributions', false, 'score');
  for (const [name, dims] of outputs) g.output(name, dims);
  return g.encode('bad', 'test');
}

describe('OnnxScorer', () => {
  it('scores rows of raw values like the reference, across batch sizes that reuse its buffers', async () => {
    const scorer = await OnnxScorer.create(bytes);
    expect(scorer.nInputs).toBe(4);
    const X = Float32Array.from(data.X);
    const ref = model.score(X, 500);
    for (const n of [1, 64, 500, 64, 1]) {
      const { score } = await scorer.run(X, n);
      expect(score.length).toBe(n);
      for (let r = 0; r < n; r++) expect(score[r]).toBeCloseTo(ref[r], 3);
    }
    await scorer.dispose();
  });

  it('keeps concurrent runs apart even though they share one input buffer', async () => {
    const scorer = await OnnxScorer.create(bytes);
    const X = Float32Array.from(data.X);
    const ref = model.score(X, 500);
    const calls = Array.from({ length: 20 }, (_, i) => {
      const rows = X.slice(i * 20 * 4, (i * 20 + 7) * 4);
      const p = scorer.run(rows, 7);
      rows.fill(0); // the caller reuses its buffer at once
      return p;
    });
    const results = await Promise.all(calls);
    results.forEach((res, i) => {
      for (let r = 0; r < 7; r++) expect(res.score[r]).toBeCloseTo(ref[i * 20 + r], 3);
    });
    await scorer.dispose();
  });

  it('loads from a file path', async () => {
    const path = join(dir, 'ok.onnx');
    writeFileSync(path, bytes);
    const scorer = await OnnxScorer.create(path, { expectInputs: 4 });
    expect((await scorer.run(Float32Array.from(data.X), 2)).score.length).toBe(2);
    await scorer.dispose();
  });

  it('says which file is corrupt', async () => {
    const path = join(dir, 'corrupt.onnx');
    writeFileSync(path, bytes.subarray(0, bytes.length / 2));
    await expect(OnnxScorer.create(path)).rejects.toThrow(ModelLoadError);
    await expect(OnnxScorer.create(path)).rejects.toThrow(`model ${path}: not a loadable ONNX model`);
    await expect(OnnxScorer.create(Buffer.from('not a model at all'))).rejects.toThrow('not a loadable ONNX model');
    await expect(OnnxScorer.create(join(dir, 'missing.onnx'))).rejects.toThrow('the file is missing');
  });

  it('refuses a model that breaks the graph contract, naming what is wrong', async () => {
    await expect(OnnxScorer.create(graphWith('input', [['score', ['N']], ['contributions', ['N', 4]]])))
      .rejects.toThrow("expected one input named 'x', found [input]");
    await expect(OnnxScorer.create(graphWith('x', [['score', ['N']]])))
      .rejects.toThrow("missing output 'contributions'");
    await expect(OnnxScorer.create(graphWith('x', [['score', ['N']], ['contributions', ['N', 5]]])))
      .rejects.toThrow(/output 'contributions' has shape \[N, .*\], expected \[N, 4\]/);
    await expect(OnnxScorer.create(bytes, { expectInputs: 8 })).rejects.toThrow('takes 4 inputs per row, expected 8');
  });

  it('rejects a short input and use after dispose', async () => {
    const scorer = await OnnxScorer.create(bytes);
    await expect(scorer.run(new Float32Array(7), 2)).rejects.toThrow('X holds 7 values, fewer than nRows × 4 inputs = 8');
    await expect(scorer.run(new Float32Array(8), 0)).rejects.toThrow('nRows must be a positive integer');
    await scorer.dispose();
    await expect(scorer.run(new Float32Array(8), 2)).rejects.toThrow('scorer was disposed');
  });
});
