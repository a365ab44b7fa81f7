/** Score smoothing before the threshold: one spiky window should not decide anything on its own. */

/** Exponential moving average over `span` windows (α = 2 / (span + 1)); span ≤ 1 passes scores through. */
export class ScoreSmoother {
  readonly span: number;
  private readonly alpha: number;
  private value = NaN;

  constructor(span: number) {
    if (!(span >= 0) || !Number.isFinite(span)) throw new RangeError(`score smoothing span must be a finite number ≥ 0, got ${span}`);
    this.span = span;
    this.alpha = span <= 1 ? 1 : 2 / (span + 1);
  }

  next(score: number): number {
    this.value = Number.isNaN(this.value) ? score : this.alpha * score + (1 - this.alpha) * this.value;
    return this.value;
  }

  /** Smooths a whole series into out (same length). */
  apply(scores: ArrayLike<number>, out: Float64Array = new Float64Array(scores.length)): Float64Array {
    for (let i = 0; i < scores.length; i++) out[i] = this.next(scores[i]);
    return out;
  }

  reset(): void {
    this.value = NaN;
  }
}
