/**
 * On-device anomaly models: trained in TypeScript, exported to ONNX by our own code, run in onnxruntime-node.
 *
 *   const model = fitPca(X, nRows, nCols, { varianceKept: 0.9 });      // or await fitAutoencoder / fitIsolationForest
 *   const ref = model.score(X, nRows);                                  // TypeScript reference scores
 *   const bytes = toOnnx(model, { int8: true });                         // ModelProto bytes (float or int8 variant)
 *   const scorer = await OnnxScorer.create(bytes);                      // checks names/shapes/types at load
 *   const { score, contributions } = await scorer.run(Float32Array.from(X), nRows);
 *   await writeModelBundle('models/pump', 'pump', model, { inputs, threshold, training });   // .onnx, .int8.onnx, manifest
 *   const bundle = await readModelBundle('models/pump');                 // verifies sha256 of each .onnx
 *
 * Data is row-major (X[r * nCols + c]) raw feature values; the learned normalisation lives inside each model and
 * its graph. Graph contract: input `x` float32 [N, nInputs]; outputs `score` float32 [N] and `contributions`
 * float32 [N, nInputs] (a row's contributions sum to its score).
 */
export type {
  AnomalyModel,
  AutoencoderOptions,
  AutoencoderParams,
  IsolationForestOptions,
  IsolationForestParams,
  KnnOptions,
  KnnParams,
  Matrix,
  ModelFamily,
  ModelParams,
  Normalisation,
  PcaOptions,
  PcaParams,
  PcaScoreKind,
} from './types.ts';
export { MODEL_FAMILIES } from './types.ts';

/** fitPca(X, nRows, nCols, options) → PcaModel (synchronous: an SVD of an nCols × nCols covariance). */
export { fitPca, PcaModel } from './pca.ts';
/** await fitAutoencoder(X, nRows, nCols, options) → Autoencoder; yields to the event loop between epochs. */
export { fitAutoencoder, Autoencoder } from './autoencoder.ts';
/** fitIsolationForest(X, nRows, nCols, options) → IsolationForest. */
export { fitIsolationForest, IsolationForest } from './iforest.ts';
/** fitKnn(X, nRows, nCols, { k?, maxMemory? }) → KnnModel: distance to remembered normal rows (MSET-like). */
export { fitKnn, KnnModel } from './knn.ts';
/** fitModel(family, …) picks one of the above; modelFromJSON(params) rebuilds a model from its toJSON(). */
export { fitModel, modelFromJSON, type FitOptions } from './fit.ts';
/** Train a bundle from normal rows (the CLI's path), or learn a new asset's baseline in-process from live rows. */
export { trainModelBundle, type TrainRequest, type TrainResult } from './train.ts';
export { BaselineLearner, type BaselineOptions, type BaselineState, type LearnedBaseline } from './baseline.ts';
/** quantileThreshold(scores, q): the q-quantile of training scores, the default threshold calibration. */
export { quantileThreshold } from './threshold.ts';

/** toOnnx(model, { int8?, opset? }) → Uint8Array, an ONNX ModelProto (default opset 17, ai.onnx.ml 3). */
export { toOnnx, DEFAULT_OPSET, type OnnxExportOptions } from './onnx/export.ts';
/** OnnxScorer.create(bytesOrPath, { intraOpThreads? }) → run(X, nRows) → { score, contributions }; dispose(). */
export { OnnxScorer, ModelLoadError, type OnnxScorerOptions, type ScoreResult } from './scorer.ts';
/** BatchScorer: many callers (assets) → one session.run per batch, bounded by maxBatch rows and maxWaitMs. */
export { BatchScorer, type BatchScorerOptions } from './batch-scorer.ts';

/** openModel(bundleDir | manifest | .onnx, { int8? }) → { scorer, inputNames, threshold, manifest }: for hosts. */
export { openModel, type OpenModelOptions, type OpenedModel } from './open.ts';

/**
 * Model bundles on disk: `<name>.onnx`, `<name>.int8.onnx`, `<name>.manifest.json` (and `<name>.params.json`, the
 * TypeScript parameters). readModelBundle(dir | manifestPath) checks sha256 and size of each .onnx.
 */
export {
  writeModelBundle,
  readModelBundle,
  ManifestError,
  type ModelManifest,
  type ManifestInfo,
  type ModelBundle,
} from './manifest.ts';
