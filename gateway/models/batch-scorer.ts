/**
 * BatchScorer: collects rows from many callers (assets, windows) and scores them with one session.run per batch.
 * A batch goes when it holds maxBatch rows or when its first request has waited maxWaitMs, whichever is first;
 * each caller gets back exactly its own rows' scores and contributions.
 */
import type { OnnxScorer, ScoreResult } from './scorer.ts';

export interface BatchScorerOptions {
  /** Rows per session.run at most (default 1024). A single larger request is run on its own. */
  maxBatch?: number;
  /** Longest a request waits for company, in ms (default 5). */
  maxWaitMs?: number;
}

interface Pending {
  nRows: number;
  resolve: (r: ScoreResult) => void;
  reject: (e: unknown) => void;
}

export class BatchScorer {
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  /** Counters for status displays and benchmarks. */
  readonly stats = { batches: 0, rows: 0 };
  private readonly scorer: OnnxScorer;
  private pending: Pending[] = [];
  private pendingRows = 0;
  private timer: NodeJS.Timeout | undefined;
  private buffer: Float32Array;
  private closed = false;

  constructor(scorer: OnnxScorer, options: BatchScorerOptions = {}) {
    this.scorer = scorer;
    this.maxBatch = options.maxBatch ?? 1024;
    this.maxWaitMs = options.maxWaitMs ?? 5;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) throw new RangeError(`BatchScorer: maxBatch must be a positive integer, got ${this.maxBatch}`);
    if (!(this.maxWaitMs >= 0)) throw new RangeError(`BatchScorer: maxWaitMs must be ≥ 0, got ${this.maxWaitMs}`);
    this.buffer = new Float32Array(this.maxBatch * scorer.nInputs);
  }

  /** Scores nRows rows (row-major raw features); resolves with this request's rows only. */
  score(X: Float32Array, nRows: number): Promise<ScoreResult> {
    if (this.closed) return Promise.reject(new Error('BatchScorer: closed'));
    const n = this.scorer.nInputs;
    if (!Number.isInteger(nRows) || nRows < 1) return Promise.reject(new RangeError(`BatchScorer: nRows must be a positive integer, got ${nRows}`));
    if (X.length < nRows * n) return Promise.reject(new RangeError(`BatchScorer: X holds ${X.length} values, fewer than ${nRows} rows × ${n} inputs`));
    if (nRows >= this.maxBatch) return this.scorer.run(X, nRows);
    return new Promise<ScoreResult>((resolve, reject) => {
      if (this.pendingRows + nRows > this.maxBatch) this.flush();
      // Copied now, straight into the batch: the caller may reuse its buffer as soon as this returns.
      this.buffer.set(X.subarray(0, nRows * n), this.pendingRows * n);
      this.pending.push({ nRows, resolve, reject });
      this.pendingRows += nRows;
      if (this.pendingRows >= this.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.maxWaitMs);
    });
  }

  /** Sends what is pending now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    const rows = this.pendingRows;
    this.pending = [];
    this.pendingRows = 0;
    const n = this.scorer.nInputs;
    this.stats.batches++;
    this.stats.rows += rows;
    // OnnxScorer.run copies the rows before it returns, so the batch buffer is free for the next batch at once.
    this.scorer.run(this.buffer, rows).then(
      ({ score, contributions }) => {
        let row = 0;
        for (const p of batch) {
          // Views, not copies: each run's outputs are fresh arrays, and the callers' slices do not overlap.
          p.resolve({
            score: score.subarray(row, row + p.nRows),
            contributions: contributions.subarray(row * n, (row + p.nRows) * n),
          });
          row += p.nRows;
        }
      },
      (err) => { for (const p of batch) p.reject(err); },
    );
  }

  /** Flushes what is pending and refuses new requests. The scorer stays open (it belongs to the caller). */
  close(): void {
    this.flush();
    this.closed = true;
  }
}
