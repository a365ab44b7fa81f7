import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fitIsolationForest, fitPca, ManifestError, OnnxScorer, readModelBundle, writeModelBundle } from '../../gateway/models/index.ts';
import { plantData } from './synthetic.ts';

const data = plantData(800, 3);
const names = ['pump1.vibration', 'pump1.current', 'pump1.pressure'];
const root = mkdtempSync(join(tmpdir(), 'telltale-manifest-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const info = {
  inputs: { names, tags: names, features: [] },
  threshold: { value: 1.5, method: 'quantile 0.99' },
  training: { rows: 800, source: 'synthetic', span: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' } },
};

describe('writeModelBundle / readModelBundle', () => {
  it('round-trips the manifest, both ONNX files and the TypeScript model', async () => {
    const dir = join(root, 'pump');
    const model = fitPca(data.X, data.nRows, data.nCols);
    const written = await writeModelBundle(dir, 'pump', model, info);
    const read = await readModelBundle(dir);
    expect(read.manifest).toEqual(written.manifest);
    expect(read.manifest.signature).toBeNull();
    expect(read.manifest.inputs.names).toEqual(names);
    expect(read.manifest.normalisation.mean).toEqual(Array.from(model.normalisation.mean));
    expect(read.manifest.files.float.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from(read.int8Bytes)).toEqual(readFileSync(join(dir, 'pump.int8.onnx')));
    expect(read.model?.toJSON()).toEqual(model.toJSON());
    const scorer = await OnnxScorer.create(read.floatPath, { expectInputs: read.manifest.inputs.count });
    const X = Float32Array.from(data.X);
    const { score } = await scorer.run(X, 5);
    const ref = read.model!.score(X, 5);
    for (let r = 0; r < 5; r++) expect(score[r]).toBeCloseTo(ref[r], 3);
    await scorer.dispose();
    // The manifest path works as well as the directory.
    expect((await readModelBundle(written.manifestPath)).manifest.name).toBe('pump');
  });

  it('detects an .onnx file that no longer matches its sha256', async () => {
    const dir = join(root, 'tampered');
    await writeModelBundle(dir, 'm', fitIsolationForest(data.X, data.nRows, data.nCols, { trees: 8 }), info);
    const path = join(dir, 'm.int8.onnx');
    const bytes = readFileSync(path);
    bytes[bytes.length - 3] ^= 0xff;
    writeFileSync(path, bytes);
    await expect(readModelBundle(dir)).rejects.toThrow(ManifestError);
    await expect(readModelBundle(dir)).rejects.toThrow(/^"m\.manifest\.json": files\.int8: "m\.int8\.onnx" does not match the manifest's sha256/);
  });

  it('names the manifest field that is wrong', async () => {
    const dir = join(root, 'badfield');
    const { manifestPath } = await writeModelBundle(dir, 'b', fitPca(data.X, data.nRows, data.nCols), info);
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
    m.threshold.value = 'high';
    writeFileSync(manifestPath, JSON.stringify(m));
    await expect(readModelBundle(dir)).rejects.toThrow('"b.manifest.json": /threshold/value must be number');
    writeFileSync(manifestPath, '{ not json');
    await expect(readModelBundle(manifestPath)).rejects.toThrow(/^"b\.manifest\.json": not JSON/);
  });

  it('reports a missing file, a missing bundle and an ambiguous directory', async () => {
    const dir = join(root, 'missing');
    await writeModelBundle(dir, 'a', fitPca(data.X, data.nRows, data.nCols), info);
    rmSync(join(dir, 'a.onnx'));
    await expect(readModelBundle(dir)).rejects.toThrow('"a.manifest.json": files.float: "a.onnx" is missing');
    await expect(readModelBundle(join(root, 'nowhere'))).rejects.toThrow('no such file or directory');
    const two = join(root, 'two');
    await writeModelBundle(two, 'a', fitPca(data.X, data.nRows, data.nCols), info);
    await writeModelBundle(two, 'b', fitPca(data.X, data.nRows, data.nCols), info);
    await expect(readModelBundle(two)).rejects.toThrow('expected one *.manifest.json, found "a.manifest.json", "b.manifest.json"');
  });

  it('refuses input names that do not match the model', async () => {
    await expect(writeModelBundle(join(root, 'x'), 'x', fitPca(data.X, data.nRows, data.nCols), { ...info, inputs: { names: ['a'] } }))
      .rejects.toThrow('1 input names for a model of 3 inputs');
  });
});

describe('openModel', () => {
  it('opens a verified bundle with the variant’s threshold, or a bare .onnx without one', async () => {
    const { openModel } = await import('../../gateway/models/index.ts');
    const dir = join(root, 'open');
    await writeModelBundle(dir, 'o', fitPca(data.X, data.nRows, data.nCols), { ...info, threshold: { value: 2, method: 'q', int8Value: 2.1 } });
    const float = await openModel(dir);
    const int8 = await openModel(join(dir, 'o.manifest.json'), { int8: true });
    const bare = await openModel(join(dir, 'o.int8.onnx'));
    expect([float.threshold, int8.threshold, bare.threshold]).toEqual([2, 2.1, undefined]);
    expect(float.inputNames).toEqual(names);
    expect(bare.inputNames).toEqual(['input0', 'input1', 'input2']);
    const X = Float32Array.from(data.X);
    const a = await int8.scorer.run(X, 3);
    const b = await bare.scorer.run(X, 3);
    expect(Array.from(a.score)).toEqual(Array.from(b.score));
    for (const m of [float, int8, bare]) await m.scorer.dispose();
  });
});
