/**
 * openModel: what a host (the Node-RED model config node, the CLI) calls to get a ready scorer. A bundle is
 * verified first (sha256) and the scorer is built from the verified bytes, not from a second read of the file.
 * The bundle is read as the gateway reads one (plain names, no links, size caps, params checked; see manifest.ts)
 * but need not be signed: the path is the host's own choice. A refusal names that path and the bundle's file.
 */
import { readRegularFile } from './bundle-source.ts';
import { FILE_MAX_BYTES, ManifestError, readModelBundle, type ModelManifest } from './manifest.ts';
import { ModelRefusedError } from './refusal.ts';
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
    const bytes = await named(path, () => readRegularFile(path, FILE_MAX_BYTES.float, 'the file', { follow: true }));
    const scorer = await OnnxScorer.create(bytes, { intraOpThreads: options.intraOpThreads, source: path });
    return { scorer, inputNames: Array.from({ length: scorer.nInputs }, (_, i) => `input${i}`) };
  }
  const bundle = await named(path, () => readModelBundle(path));
  const m = bundle.manifest;
  const int8 = options.int8 ?? false;
  const scorer = await OnnxScorer.create(int8 ? bundle.int8Bytes : bundle.floatBytes, {
    intraOpThreads: options.intraOpThreads,
    expectInputs: m.inputs.count,
  });
  const threshold = int8 ? (m.threshold.int8Value ?? m.threshold.value) : m.threshold.value;
  return { scorer, inputNames: m.inputs.names, threshold, manifest: m };
}

/** A refusal with the path the host gave in front (`model bundle <path>: …`). */
async function named<T>(path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ModelRefusedError) throw new ManifestError(err.reason, `model bundle ${path}: ${err.message}`);
    throw err;
  }
}
