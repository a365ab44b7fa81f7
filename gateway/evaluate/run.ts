/**
 * Runs one labelled table through the gateway's own path: FeatureWindow → model fitted on the training rows →
 * exported to ONNX and scored by OnnxScorer → ScoreSmoother → threshold from calibrateThreshold on the training
 * scores → AlertTracker, whose open/closed state per row is the point-wise prediction.
 */
import { AssetDetector } from '../detection/detector.ts';
import { calibrateThreshold, type Calibration } from '../detection/calibration.ts';
import { ScoreSmoother } from '../detection/smoothing.ts';
import { FeatureWindow } from '../features/window.ts';
import { fitModel } from '../models/fit.ts';
import { toOnnx } from '../models/onnx/export.ts';
import { OnnxScorer } from '../models/scorer.ts';
import type { Table } from './dataset.ts';
import type { EvaluationConfig } from './config.ts';
import { accumulate, emptyConfusion, type Confusion } from './metrics.ts';

export interface FileResult {
  relPath: string;
  trainRows: number;
  /** Test rows only (the rows after trainRows), in file order. */
  timestamps: string[];
  scores: Float64Array;
  predictions: Uint8Array;
  labels?: Uint8Array;
  confusion?: Confusion;
  calibration: Calibration;
  features: readonly string[];
  modelBytes: number;
}

export class EvaluationError extends Error {
  override name = 'EvaluationError';
}

/** The per-tag feature overrides that apply to this table's columns (a config may name columns a file lacks). */
function pick<T>(byTag: Record<string, T> | undefined, columns: readonly string[]): Record<string, T> | undefined {
  if (!byTag) return undefined;
  return Object.fromEntries(Object.entries(byTag).filter(([t]) => columns.includes(t)));
}

/** Window features for every row that ends a full window (rows size−1 … n−1), as float32 model input. */
export function tableFeatures(table: Table, config: EvaluationConfig): { X: Float32Array; rows: number; names: readonly string[]; first: number } {
  const keep: number[] = [];
  table.columns.forEach((c, j) => {
    if (!config.exclude.includes(c)) keep.push(j);
  });
  if (keep.length === 0) throw new EvaluationError(`${table.relPath}: every column is excluded`);
  const w = new FeatureWindow({ tags: keep.map((j) => table.columns[j]), size: config.window.size, hop: 1, features: config.window.features, tagFeatures: pick(config.window.tagFeatures, table.columns) });
  const d = table.columns.length;
  const width = w.layout.length;
  const first = w.size - 1;
  const rows = table.rows - first;
  const X = new Float32Array(Math.max(0, rows) * width);
  const sample = new Float64Array(keep.length);
  const vec = new Float64Array(width);
  for (let i = 0; i < table.rows; i++) {
    for (let k = 0; k < keep.length; k++) sample[k] = table.data[i * d + keep[k]];
    if (w.push(sample)) X.set(w.next(vec), (i - first) * width);
  }
  return { X, rows, names: w.layout.names, first };
}

export async function evaluateTable(table: Table, trainRows: number, config: EvaluationConfig): Promise<FileResult> {
  const { X, rows, names, first } = tableFeatures(table, config);
  const width = names.length;
  const nTrain = trainRows - first;
  if (nTrain < 10) throw new EvaluationError(`${table.relPath}: ${trainRows} training rows leave only ${nTrain} full windows of ${config.window.size}; need ≥ 10`);
  if (trainRows >= table.rows) throw new EvaluationError(`${table.relPath}: ${table.rows} rows, none left to test after ${trainRows} training rows`);
  const model = await fitModel(config.model, X.subarray(0, nTrain * width), nTrain, width, config.fit);
  const bytes = toOnnx(model, { int8: config.int8 });
  const scorer = await OnnxScorer.create(bytes);
  let raw: Float32Array;
  try {
    raw = (await scorer.run(X, rows)).score;
  } finally {
    await scorer.dispose();
  }
  // Training scores are smoothed the same way as the scores the threshold will be compared with.
  const trainScores = new ScoreSmoother(config.smoothing).apply(raw.subarray(0, nTrain));
  const calibration = calibrateThreshold(trainScores, { ...config.calibration, ...config.calibrationByFamily?.[config.model] });
  const detector = new AssetDetector(table.relPath, {
    threshold: calibration.threshold,
    smoothing: config.smoothing,
    closeRatio: config.alert.closeRatio,
    minOpenWindows: config.alert.minOpenWindows,
    minCloseWindows: config.alert.minCloseWindows,
  });
  // The detector runs over the training windows too, so its smoothing state at the first test row is what a
  // gateway that had been running all along would have; only the test rows are predictions.
  const nTest = table.rows - trainRows;
  const predictions = new Uint8Array(nTest);
  const scores = new Float64Array(nTest);
  for (let i = 0; i < rows; i++) {
    const d = detector.update(i, raw[i]);
    if (i >= nTrain) {
      scores[i - nTrain] = d.score;
      predictions[i - nTrain] = d.anomalous ? 1 : 0;
    }
  }
  const labels = table.labels?.subarray(trainRows);
  return {
    relPath: table.relPath,
    trainRows,
    timestamps: table.timestamps.slice(trainRows),
    scores,
    predictions,
    labels,
    confusion: labels ? accumulate(emptyConfusion(), labels, predictions) : undefined,
    calibration,
    features: names,
    modelBytes: bytes.length,
  };
}
