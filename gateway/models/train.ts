/**
 * Training a deployable model from rows known to be normal: fit → export float and int8 → score the training
 * rows through the ONNX graphs (the same path the gateway scores with) → calibrate the threshold → write the bundle.
 * Used by `telltale train` and by on-device learning for a new asset.
 */
import { calibrateThreshold, type CalibrationOptions } from '../detection/calibration.ts';
import { fitModel, type FitOptions } from './fit.ts';
import { writeModelBundle, type ModelBundle } from './manifest.ts';
import { OnnxScorer } from './scorer.ts';
import { quantileThreshold } from './threshold.ts';
import type { Matrix, ModelFamily } from './types.ts';

export interface TrainRequest {
  family: ModelFamily;
  X: Matrix;
  nRows: number;
  /** Input names in column order (tags, or tag:feature). */
  names: string[];
  tags?: string[];
  features?: string[];
  /** Bundle directory and base name of its files. */
  dir: string;
  name: string;
  fit?: FitOptions;
  /** Threshold calibration (default: the 0.99 quantile of the training scores). */
  calibration?: CalibrationOptions;
  training: { source: string; span?: { from: string; to: string } };
  version?: string;
  description?: string;
  opset?: number;
  /** Progress of the whole run in [0, 1], with the phase name. */
  onProgress?: (fraction: number, phase: string) => void;
}

export interface TrainResult {
  bundle: ModelBundle;
  threshold: number;
  int8Threshold: number;
  /** Training rows above the threshold (float model). */
  trainingAlarms: number;
}

/** Share of the progress bar each phase gets. */
const FIT_SHARE = 0.85;

export async function trainModelBundle(req: TrainRequest): Promise<TrainResult> {
  const progress = req.onProgress ?? (() => {});
  const nCols = req.names.length;
  progress(0, 'fit');
  const model = await fitModel(req.family, req.X, req.nRows, nCols, {
    ...req.fit,
    onProgress: (f) => { req.fit?.onProgress?.(f); progress(f * FIT_SHARE, 'fit'); },
  });
  progress(FIT_SHARE, 'export');
  // A provisional bundle gives the exact bytes the gateway will load; the threshold is then written into it.
  const draft = await writeModelBundle(req.dir, req.name, model, {
    inputs: { names: req.names, tags: req.tags, features: req.features },
    threshold: { value: 0, method: 'pending' },
    training: { rows: req.nRows, source: req.training.source },
    opset: req.opset,
  });
  progress(0.9, 'calibrate');
  const X32 = req.X instanceof Float32Array ? req.X : Float32Array.from(req.X.subarray(0, req.nRows * nCols));
  const scoresOf = async (bytes: Uint8Array): Promise<Float32Array> => {
    const scorer = await OnnxScorer.create(bytes, { expectInputs: nCols });
    try {
      return (await scorer.run(X32, req.nRows)).score;
    } finally {
      await scorer.dispose();
    }
  };
  const floatScores = await scoresOf(draft.floatBytes);
  const int8Scores = await scoresOf(draft.int8Bytes);
  const calibration = { method: 'quantile' as const, quantile: 0.99, ...req.calibration };
  const cal = calibrateThreshold(floatScores, calibration);
  const cal8 = calibrateThreshold(int8Scores, calibration);
  const method = cal.method === 'pot'
    ? `pot(risk=${cal.risk}, initial quantile ${calibration.initialQuantile ?? 0.95}) of ONNX training scores × ${cal.margin}`
    : `quantile ${cal.quantile} of ONNX training scores × ${cal.margin}`;
  const quantiles: Record<string, number> = {};
  for (const q of [0.5, 0.9, 0.99, 1]) quantiles[String(q)] = quantileThreshold(floatScores, q);
  const bundle = await writeModelBundle(req.dir, req.name, model, {
    version: req.version,
    description: req.description,
    inputs: { names: req.names, tags: req.tags, features: req.features },
    threshold: { value: cal.threshold, method, int8Value: cal8.threshold },
    training: { rows: req.nRows, source: req.training.source, span: req.training.span, scoreQuantiles: quantiles },
    opset: req.opset,
  });
  let trainingAlarms = 0;
  for (const s of floatScores) if (s > cal.threshold) trainingAlarms++;
  progress(1, 'done');
  return { bundle, threshold: cal.threshold, int8Threshold: cal8.threshold, trainingAlarms };
}
