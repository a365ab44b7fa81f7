/**
 * Model bundles on disk: `<name>.onnx` (float), `<name>.int8.onnx`, `<name>.params.json` (TypeScript parameters,
 * for on-device refits and the reference) and `<name>.manifest.json`, which records each file's sha256 and size.
 * readModelBundle refuses a bundle whose files do not match their manifest; loadBundle reads the manifest first
 * and lets the caller refuse it (the signature) before any other file of the bundle is opened.
 */
import { createHash } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { packageVersion } from '../core/package-root.ts';
import { modelFromJSON } from './fit.ts';
import { directorySource, FILE_CAP_BYTES, showBytes, type BundleSource } from './bundle-source.ts';
import { MANIFEST_FILE_NAME, MANIFEST_NAME, ModelManifest } from './manifest-schema.ts';
import { normalisationToJSON } from './normalise.ts';
import { DEFAULT_OPSET, toOnnx } from './onnx/export.ts';
import { checkParams } from './params-check.ts';
import { PcaModel } from './pca.ts';
import { ModelRefusedError } from './refusal.ts';
import type { AnomalyModel, PcaScoreKind } from './types.ts';

export type { ModelManifest } from './manifest-schema.ts';
export { directorySource, memorySource, type BundleSource } from './bundle-source.ts';

/** A bundle that does not match its manifest (or a manifest that breaks the schema): a refusal with its reason. */
export class ManifestError extends ModelRefusedError {
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

/** A bundle read from a directory: the verified bytes and where its files are (local paths, never for messages). */
export interface ModelBundle extends LoadedBundle {
  manifestPath: string;
  floatPath: string;
  int8Path: string;
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
  // The names a reader accepts (manifest-schema.ts): a bundle written under another name could never be read back.
  if (!BUNDLE_NAME.test(name)) throw new ManifestError('invalid-bundle', `model bundle ${JSON.stringify(name)}: the name must be 1 to 100 letters, digits, _ . - and not start with a dot`);
  if (info.inputs.names.length !== model.nInputs) {
    throw new ManifestError('invalid-bundle', `model bundle ${name}: ${info.inputs.names.length} input names for a model of ${model.nInputs} inputs`);
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
  const manifestName = `${name}.manifest.json`;
  const manifestPath = join(dir, manifestName);
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(manifestPath, manifestBytes);
  return { manifest, manifestName, manifestBytes, manifestPath, floatPath: join(dir, files.float), int8Path: join(dir, files.int8), floatBytes, int8Bytes, paramsBytes, model };
}

/** Size caps: the manifest is read only when it is at most this large, each file only up to its cap. */
export const MANIFEST_MAX_BYTES = 1024 * 1024;
export const FILE_MAX_BYTES: Readonly<Record<FileKey, number>> = { float: FILE_CAP_BYTES, int8: FILE_CAP_BYTES, params: FILE_CAP_BYTES };
export type FileKey = 'float' | 'int8' | 'params';
const FILE_KEYS: readonly FileKey[] = ['float', 'int8', 'params'];
const BUNDLE_FILE = new RegExp(MANIFEST_FILE_NAME);
const BUNDLE_NAME = new RegExp(MANIFEST_NAME);

/** A manifest read, capped and schema-checked, and the exact bytes it was read from. */
export interface LoadedManifest {
  manifest: ModelManifest;
  /** Its file name in the bundle. */
  manifestName: string;
  manifestBytes: Uint8Array;
}

/** A bundle whose files matched their manifest: the bytes verified (what to store and to score with). */
export interface LoadedBundle extends LoadedManifest {
  floatBytes: Uint8Array;
  int8Bytes: Uint8Array;
  paramsBytes?: Uint8Array;
  /** The TypeScript model, when the bundle carries its params file. */
  model?: AnomalyModel;
}

export interface LoadOptions {
  /**
   * Called with the manifest before any other file of the bundle is opened: throw to refuse (the signature check).
   * Nothing but the manifest has been read when it runs.
   */
  trust?: (manifest: ModelManifest) => void;
  /** The manifest's file name; default: the one `*.manifest.json` of the source. */
  manifestName?: string;
}

/** Where JSON.parse stopped, without V8's quote of the text (which may hold anything). */
const jsonPosition = (err: unknown): string => {
  const at = /at position \d+/.exec((err as Error).message);
  return at ? ` (${at[0]})` : '';
};

const refuse = (reason: ConstructorParameters<typeof ManifestError>[0], message: string): ManifestError => new ManifestError(reason, message);

/** Finds, reads (capped) and checks the manifest of a bundle; opens no other file. */
export async function loadManifest(source: BundleSource, manifestName?: string): Promise<LoadedManifest> {
  let name = manifestName;
  if (name === undefined) {
    const found = (await source.names()).filter((f) => f.endsWith('.manifest.json'));
    if (found.length !== 1) {
      const listed = found.slice(0, 4).map((f) => JSON.stringify(f)).join(', ');
      throw refuse('invalid-bundle', `bundle: expected one *.manifest.json, found ${found.length ? `${listed}${found.length > 4 ? ', …' : ''}` : 'none'}`);
    }
    name = found[0];
  }
  const where = JSON.stringify(name);
  const bytes = await source.read(name, MANIFEST_MAX_BYTES, where);
  let manifest: unknown;
  try {
    manifest = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    throw refuse('invalid-bundle', `${where}: not JSON${jsonPosition(err)}`);
  }
  // The file names first, with their own reason: a name that leaves the bundle is an attack, not a typo.
  const files = (manifest as { files?: unknown } | null)?.files;
  if (files !== null && typeof files === 'object') {
    for (const key of FILE_KEYS) {
      const path = (files as Record<string, { path?: unknown } | undefined>)[key]?.path;
      if (path !== undefined && !(typeof path === 'string' && BUNDLE_FILE.test(path))) {
        throw refuse('unsafe-path', `${where}: files.${key}.path is not a plain file name in the bundle (letters, digits, _ . -; no separator, '..' or absolute path)`);
      }
    }
  }
  const validate = validateManifest();
  if (!validate(manifest)) {
    const e = validate.errors?.[0];
    const extra = e?.params && 'additionalProperty' in e.params ? String(e.params.additionalProperty) : undefined;
    throw refuse('invalid-bundle', `${where}: ${(e?.instancePath || '/').slice(0, 100)} ${e?.message ?? 'invalid'}${extra === undefined ? '' : ` (${/^[A-Za-z0-9_.-]{1,60}$/.test(extra) ? extra : 'a field name'})`}`);
  }
  const m = manifest;
  if (m.inputs.names.length !== m.inputs.count) {
    throw refuse('invalid-bundle', `${where}: inputs.count is ${m.inputs.count} but inputs.names has ${m.inputs.names.length} entries`);
  }
  for (const k of ['mean', 'std'] as const) {
    if (m.normalisation[k].length !== m.inputs.count) throw refuse('invalid-bundle', `${where}: normalisation.${k} has ${m.normalisation[k].length} entries, inputs.count is ${m.inputs.count}`);
  }
  return { manifest: m, manifestName: name, manifestBytes: bytes };
}

/**
 * Reads a bundle in the order that trusts nothing early: the manifest (capped, schema-checked), then `trust`
 * (the signature), then each file by its plain name (capped, size then sha256 compared with the manifest), then
 * the params checked against the manifest before a model is built from them.
 */
export async function loadBundle(source: BundleSource, opts: LoadOptions = {}): Promise<LoadedBundle> {
  const loaded = await loadManifest(source, opts.manifestName);
  const m = loaded.manifest;
  opts.trust?.(m);
  const where = JSON.stringify(loaded.manifestName);
  const read = async (key: FileKey): Promise<Uint8Array | undefined> => {
    const file = m.files[key];
    if (!file) return undefined;
    const what = `${where}: files.${key}: ${JSON.stringify(file.path)}`;
    if (!BUNDLE_FILE.test(file.path)) throw refuse('unsafe-path', `${where}: files.${key}.path is not a plain file name in the bundle`);
    if (file.bytes > FILE_MAX_BYTES[key]) throw refuse('too-large', `${what}: the manifest gives a size over the ${showBytes(FILE_MAX_BYTES[key])} cap`);
    const bytes = await source.read(file.path, FILE_MAX_BYTES[key], what);
    if (bytes.length !== file.bytes) throw refuse('hash-mismatch', `${what} is not the size the manifest gives (the file was changed or corrupted)`);
    if (sha256(bytes) !== file.sha256) throw refuse('hash-mismatch', `${what} does not match the manifest's sha256 (the file was changed or corrupted)`);
    return bytes;
  };
  const floatBytes = (await read('float'))!;
  const int8Bytes = (await read('int8'))!;
  const paramsBytes = await read('params');
  let model: AnomalyModel | undefined;
  if (paramsBytes) {
    const what = `${where}: files.params: ${JSON.stringify(m.files.params!.path)}`;
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.from(paramsBytes.buffer, paramsBytes.byteOffset, paramsBytes.byteLength).toString('utf8'));
    } catch (err) {
      throw refuse('bad-params', `${what}: not JSON${jsonPosition(err)}`);
    }
    model = modelFromJSON(checkParams(raw, m, what));
  }
  return { ...loaded, floatBytes, int8Bytes, paramsBytes, model };
}

/**
 * Reads `<dir>/*.manifest.json` (exactly one) or the manifest file given, and the files it names, through
 * loadBundle. `dirOrManifest` is the caller's own choice (followed if it is a link); nothing below it is.
 */
export async function readModelBundle(dirOrManifest: string, opts: Omit<LoadOptions, 'manifestName'> = {}): Promise<ModelBundle> {
  let info;
  try {
    info = await stat(dirOrManifest);
  } catch {
    throw refuse('invalid-bundle', 'bundle: no such file or directory');
  }
  const dir = info.isDirectory() ? dirOrManifest : dirname(dirOrManifest);
  const bundle = await loadBundle(directorySource(dir), { ...opts, ...(info.isDirectory() ? {} : { manifestName: basename(dirOrManifest) }) });
  return {
    ...bundle, manifestPath: join(dir, bundle.manifestName),
    floatPath: join(dir, bundle.manifest.files.float.path), int8Path: join(dir, bundle.manifest.files.int8.path),
  };
}
