/**
 * Model bundles on disk: `<name>.onnx` (float), `<name>.int8.onnx`, `<name>.params.json` (TypeScript parameters,
 * for on-device refits and the reference) and `<name>.manifest.json`, which records each file's sha256 and size.
 * readModelBundle refuses a bundle whose files do not match their manifest.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { packageVersion } from '../core/package-root.ts';
import { modelFromJSON } from './fit.ts';
import { ModelManifest } from './manifest-schema.ts';
import { normalisationToJSON } from './normalise.ts';
import { DEFAULT_OPSET, toOnnx } from './onnx/export.ts';
import { PcaModel } from './pca.ts';
import type { AnomalyModel, ModelParams, PcaScoreKind } from './types.ts';

export type { ModelManifest } from './manifest-schema.ts';

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

/** What the caller knows that the model does not: names, threshold, where the training data came from. */
export interface ManifestInfo {
  version?: string;
  description?: string;
  inputs: { names: string[]; tags?: string[]; features?: string[] };
  threshold: { value: number; method: string; int8Value?: number };
  training: { rows: number; source: string; span?: { from: string; to: string }; scoreQuantiles?: Record<string, number> };
  opset?: number;
  /** Defaults to now. */
  created?: Date;
}

export interface ModelBundle {
  manifest: ModelManifest;
  manifestPath: string;
  floatPath: string;
  int8Path: string;
  floatBytes: Uint8Array;
  int8Bytes: Uint8Array;
  /** The TypeScript model, when the bundle carries its params file. */
  model?: AnomalyModel;
}

const PCA_SCORE: Record<PcaScoreKind, string> = { combined: 'Q/Qlim + T²/T²lim', q: 'Q/Qlim', t2: 'T²/T²lim' };

function outputMeaning(model: AnomalyModel): ModelManifest['outputs'] {
  if (model instanceof PcaModel) {
    const kind = model.params.scoreKind;
    return {
      score: `${PCA_SCORE[kind]} (limits: the training quantiles of Q and T²)`,
      contributions: `per input: ${kind === 't2' ? '' : 'squared residual / Qlim'}${kind === 'combined' ? ' + ' : ''}${kind === 'q' ? '' : 'T² decomposition / T²lim'}; sums to score`,
    };
  }
  return OUTPUT_MEANING[model.family as 'ae' | 'iforest' | 'knn'];
}

const OUTPUT_MEANING: Record<'ae' | 'iforest' | 'knn', ModelManifest['outputs']> = {
  knn: { score: 'mean over the k nearest training rows of ‖z − m‖² / n', contributions: 'per input: mean of (z_j − m_j)² / n over those rows; sums to score' },
  ae: { score: 'mean squared reconstruction error of the z-scores', contributions: 'per input: squared reconstruction error / n; sums to score' },
  iforest: { score: '2^(−E[h]/c(ψ)), isolation forest anomaly score', contributions: 'score shared out by z_j² / Σ z²; sums to score' },
};

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
let validator: ValidateFunction<ModelManifest> | undefined;
/** Compiled on first use, so importing the models costs no schema compilation. */
const validateManifest = (): ValidateFunction<ModelManifest> => (validator ??= new Ajv({ allErrors: true, strict: true }).compile(ModelManifest));

export async function writeModelBundle(dir: string, name: string, model: AnomalyModel, info: ManifestInfo): Promise<ModelBundle> {
  if (info.inputs.names.length !== model.nInputs) {
    throw new ManifestError(`model bundle ${name}: ${info.inputs.names.length} input names for a model of ${model.nInputs} inputs`);
  }
  await mkdir(dir, { recursive: true });
  const opset = info.opset ?? DEFAULT_OPSET;
  const floatBytes = toOnnx(model, { opset });
  const int8Bytes = toOnnx(model, { opset, int8: true });
  const paramsBytes = Buffer.from(JSON.stringify(model.toJSON()));
  const files = { float: `${name}.onnx`, int8: `${name}.int8.onnx`, params: `${name}.params.json` };
  await writeFile(join(dir, files.float), floatBytes);
  await writeFile(join(dir, files.int8), int8Bytes);
  await writeFile(join(dir, files.params), paramsBytes);
  const entry = (path: string, bytes: Uint8Array, withOpset: boolean) => ({ path, sha256: sha256(bytes), bytes: bytes.length, ...(withOpset ? { opset } : {}) });
  const norm = normalisationToJSON(model.normalisation);
  const manifest: ModelManifest = {
    name,
    version: info.version ?? '1',
    format: 1,
    family: model.family,
    created: (info.created ?? new Date()).toISOString(),
    producer: `telltale ${packageVersion}`,
    ...(info.description ? { description: info.description } : {}),
    inputs: { count: model.nInputs, names: info.inputs.names, tags: info.inputs.tags ?? info.inputs.names, features: info.inputs.features ?? [], tensor: 'x' },
    normalisation: { kind: 'zscore', mean: norm.mean, std: norm.std },
    outputs: outputMeaning(model),
    threshold: info.threshold,
    training: info.training,
    files: { float: entry(files.float, floatBytes, true), int8: entry(files.int8, int8Bytes, true), params: entry(files.params, paramsBytes, false) },
    signature: null,
  };
  const manifestPath = join(dir, `${name}.manifest.json`);
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { manifest, manifestPath, floatPath: join(dir, files.float), int8Path: join(dir, files.int8), floatBytes, int8Bytes, model };
}

/** Reads `<dir>/*.manifest.json` (exactly one) or the manifest file given, checks schema, sizes and sha256. */
export async function readModelBundle(dirOrManifest: string): Promise<ModelBundle> {
  const manifestPath = await findManifest(dirOrManifest);
  const where = `model manifest ${manifestPath}`;
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ModelManifest;
  } catch (err) {
    throw new ManifestError(`${where}: ${(err as Error).message}`);
  }
  const validate = validateManifest();
  if (!validate(manifest)) {
    const e = validate.errors?.[0];
    throw new ManifestError(`${where}: ${e?.instancePath || '/'} ${e?.message ?? 'invalid'}${e?.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
  }
  if (manifest.inputs.names.length !== manifest.inputs.count) {
    throw new ManifestError(`${where}: inputs.count is ${manifest.inputs.count} but inputs.names has ${manifest.inputs.names.length} entries`);
  }
  const dir = dirname(manifestPath);
  const load = async (key: 'float' | 'int8' | 'params'): Promise<Uint8Array | undefined> => {
    const file = manifest.files[key];
    if (!file) return undefined;
    const path = join(dir, file.path);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw new ManifestError(`${where}: files.${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    const digest = sha256(bytes);
    if (digest !== file.sha256 || bytes.length !== file.bytes) {
      throw new ManifestError(`${where}: files.${key}: ${file.path} has sha256 ${digest} (${bytes.length} bytes), the manifest says ${file.sha256} (${file.bytes} bytes) — the file was changed or corrupted`);
    }
    return bytes;
  };
  const [floatBytes, int8Bytes, paramsBytes] = [await load('float'), await load('int8'), await load('params')];
  let model: AnomalyModel | undefined;
  if (paramsBytes) {
    const params = JSON.parse(Buffer.from(paramsBytes).toString('utf8')) as ModelParams;
    if (params.family !== manifest.family) throw new ManifestError(`${where}: params file is a '${params.family}' model, the manifest says '${manifest.family}'`);
    model = modelFromJSON(params);
  }
  return {
    manifest, manifestPath, floatPath: join(dir, manifest.files.float.path), int8Path: join(dir, manifest.files.int8.path),
    floatBytes: floatBytes!, int8Bytes: int8Bytes!, model,
  };
}

async function findManifest(p: string): Promise<string> {
  let info;
  try {
    info = await stat(p);
  } catch {
    throw new ManifestError(`model bundle ${p}: no such file or directory`);
  }
  if (!info.isDirectory()) return p;
  const found = (await readdir(p)).filter((f) => f.endsWith('.manifest.json'));
  if (found.length !== 1) {
    throw new ManifestError(`model bundle ${p}: expected one *.manifest.json, found ${found.length ? found.join(', ') : 'none'}`);
  }
  return join(p, found[0]);
}

