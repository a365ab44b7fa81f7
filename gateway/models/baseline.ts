/**
 * On-device learning for a new asset: collect a configured span of normal operation, fit the baseline model
 * in-process, calibrate its threshold from the ONNX model's own training scores, and hand back a ready scorer —
 * no cloud, no Python. Rows go into a preallocated buffer (grown by doubling up to maxRows), never per-row objects.
 */
import { calibrateThreshold, type CalibrationOptions } from '../detection/calibration.ts';
import { fitModel, type FitOptions } from './fit.ts';
import { toOnnx } from './onnx/export.ts';
import { OnnxScorer } from './scorer.ts';
import type { AnomalyModel, ModelFamily } from './types.ts';

export interface BaselineOptions {
  family: ModelFamily;
  nInputs: number;
  /** Collect this many rows … */
  rows?: number;
  /** … or rows spanning this many milliseconds (whichever comes first; at least one must be set). */
  spanMs?: number;
  /** Refuse to fit on fewer rows than this (default 2 × nInputs + 10). */
  minRows?: number;
  /** Hard cap on the buffer (default 200 000 rows). */
  maxRows?: number;
  fit?: FitOptions;
  calibration?: CalibrationOptions;
  /** Score with the int8 graph (default false). */
  int8?: boolean;
}

export interface LearnedBaseline {
  model: AnomalyModel;
  onnx: Uint8Array;
  scorer: OnnxScorer;
  threshold: number;
  rows: number;
  span: { from: number; to: number };
}

export type BaselineState = 'collecting' | 'ready' | 'fitting' | 'fitted';

export class BaselineLearner {
  readonly options: BaselineOptions;
  private buffer: Float64Array;
  private count = 0;
  private first = Number.NaN;
  private last = Number.NaN;
  private stateNow: BaselineState = 'collecting';

  constructor(options: BaselineOptions) {
    const { nInputs, rows, spanMs } = options;
    if (!Number.isInteger(nInputs) || nInputs < 1) throw new RangeError(`BaselineLearner: nInputs must be a positive integer, got ${nInputs}`);
    if (rows === undefined && spanMs === undefined) throw new RangeError('BaselineLearner: set rows or spanMs (how much normal operation to learn from)');
    if (rows !== undefined && !(Number.isInteger(rows) && rows > 0)) throw new RangeError(`BaselineLearner: rows must be a positive integer, got ${rows}`);
    if (spanMs !== undefined && !(spanMs > 0)) throw new RangeError(`BaselineLearner: spanMs must be > 0, got ${spanMs}`);
    this.options = options;
    const maxRows = options.maxRows ?? 200_000;
    this.buffer = new Float64Array(Math.min(rows ?? 1024, maxRows) * nInputs);
  }

  get state(): BaselineState {
    return this.stateNow;
  }

  get rows(): number {
    return this.count;
  }

  /** Share of the span collected so far, in [0, 1]. */
  get progress(): number {
    const { rows, spanMs } = this.options;
    const byRows = rows ? this.count / rows : 0;
    const bySpan = spanMs && this.count > 0 ? (this.last - this.first) / spanMs : 0;
    return Math.min(1, Math.max(byRows, bySpan));
  }

  /** Adds one row of raw inputs observed at `ts` (ms). Returns the state: 'ready' once the span is complete. */
  add(row: ArrayLike<number>, ts: number = Date.now()): BaselineState {
    if (this.stateNow !== 'collecting') return this.stateNow;
    const n = this.options.nInputs;
    if (row.length !== n) throw new RangeError(`BaselineLearner: row has ${row.length} values, expected ${n}`);
    for (let j = 0; j < n; j++) {
      if (!Number.isFinite(row[j])) throw new RangeError(`BaselineLearner: input ${j} is ${row[j]}, expected a finite number`);
    }
    const maxRows = this.options.maxRows ?? 200_000;
    if ((this.count + 1) * n > this.buffer.length) {
      const grown = new Float64Array(Math.min(maxRows, this.buffer.length / n * 2) * n);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer.set(row, this.count * n);
    this.count++;
    if (Number.isNaN(this.first)) this.first = ts;
    this.last = ts;
    if (this.progress >= 1 || this.count >= maxRows) this.stateNow = 'ready';
    return this.stateNow;
  }

  /** Fits, exports, calibrates; may be called early (before 'ready') if at least minRows were collected. */
  async fit(): Promise<LearnedBaseline> {
    if (this.stateNow === 'fitting' || this.stateNow === 'fitted') throw new Error(`BaselineLearner: already ${this.stateNow}`);
    const { family, nInputs: n } = this.options;
    const minRows = this.options.minRows ?? 2 * n + 10;
    if (this.count < minRows) throw new RangeError(`BaselineLearner: ${this.count} rows collected, at least ${minRows} needed to fit a ${family} baseline`);
    this.stateNow = 'fitting';
    try {
      const X = this.buffer.subarray(0, this.count * n);
      const model = await fitModel(family, X, this.count, n, this.options.fit);
      const onnx = toOnnx(model, { int8: this.options.int8 });
      const scorer = await OnnxScorer.create(onnx, { expectInputs: n });
      const { score } = await scorer.run(Float32Array.from(X), this.count);
      const { threshold } = calibrateThreshold(score, { method: 'quantile', quantile: 0.99, ...this.options.calibration });
      this.stateNow = 'fitted';
      return { model, onnx, scorer, threshold, rows: this.count, span: { from: this.first, to: this.last } };
    } catch (err) {
      this.stateNow = 'ready';
      throw err;
    }
  }
}
