/**
 * openModel: what a host (the Node-RED model config node, the CLI) calls to get a ready scorer. A bundle is
 * verified first (sha256) and the scorer is built from the verified bytes, not from a second read of the file.
 */
import { readModelBundle, type ModelManifest } from './manifest.ts';
import { OnnxScorer } from './scorer.ts';

export interface OpenModelOptions {
  /** Use the int8 variant of a bundle (default false). */
  int8?: boolean;
  intraOpThreads?: number;
}

export interface OpenedModel {
  scorer: OnnxScorer;
  /** Input names in column order (from the manifest; `input0…` for a bare .onnx). */
  inputNames: string[];
  /** The variant's calibrated threshold, when a manifest gives one. */
  threshold?: number;
  manifest?: ModelManifest;
}

/** `path` is a bundle directory, a `*.manifest.json`, or a bare `.onnx` file (no manifest: no threshold). */
export async function openModel(path: string, options: OpenModelOptions = {}): Promise<OpenedModel> {
  if (path.endsWith('.onnx')) {
    const scorer = await OnnxScorer.create(path, { intraOpThreads: options.intraOpThreads });
    return { scorer, inputNames: Array.from({ length: scorer.nInputs }, (_, i) => `input${i}`) };
  }
  const bundle = await readModelBundle(path);
  const m = bundle.manifest;
  const int8 = options.int8 ?? false;
  const scorer = await OnnxScorer.create(int8 ? bundle.int8Bytes : bundle.floatBytes, {
    intraOpThreads: options.intraOpThreads,
    expectInputs: m.inputs.count,
  });
  const threshold = int8 ? (m.threshold.int8Value ?? m.threshold.value) : m.threshold.value;
  return { scorer, inputNames: m.inputs.names, threshold, manifest: m };
}
