/**
 * ActiveModel: the one holder hosts score through (a Node-RED node, a processor). run() takes the slot that is
 * current when it is called, so every batch is scored by exactly one model: a swap never drops or double-scores a
 * batch. A replaced scorer is disposed only after the runs that took it have finished. An optional shadow slot
 * scores the same rows with a candidate and counts how often both agree on alarm / no alarm.
 */
import type { ModelManifest } from '../manifest.ts';
import type { OnnxScorer, ScoreResult } from '../scorer.ts';

export interface ModelSlot {
  id: string;
  scorer: OnnxScorer;
  threshold: number;
  inputNames: readonly string[];
  manifest: ModelManifest;
}

export interface ActiveScore extends ScoreResult {
  modelId: string;
  threshold: number;
}

export interface ShadowReport {
  modelId: string;
  rows: number;
  /** Rows where both models gave the same alarm decision. */
  agreed: number;
  /** agreed / rows (1 before any row). */
  agreement: number;
}

export class NoActiveModelError extends Error {
  override readonly name = 'NoActiveModelError';
}

interface Held {
  slot: ModelSlot;
  runs: number;
  retired: boolean;
}

interface ShadowHeld extends Held {
  rows: number;
  agreed: number;
}

export class ActiveModel {
  #current?: Held;
  #shadow?: ShadowHeld;
  readonly #onShadowRows?: (report: ShadowReport) => void;
  /** Inference latency of every run, ms (for the metrics histogram). */
  onLatency?: (ms: number) => void;

  constructor(opts: { onShadowRows?: (report: ShadowReport) => void } = {}) {
    this.#onShadowRows = opts.onShadowRows;
  }

  get current(): ModelSlot | undefined {
    return this.#current?.slot;
  }

  get shadowSlot(): ModelSlot | undefined {
    return this.#shadow?.slot;
  }

  /** Scores nRows rows of X with the model current at this call (and the shadow, if any). */
  async run(X: Float32Array, nRows: number): Promise<ActiveScore> {
    const held = this.#current;
    if (!held) throw new NoActiveModelError('no model is active: install and activate a signed bundle first');
    const shadow = this.#shadow;
    held.runs++;
    if (shadow) shadow.runs++;
    const t0 = performance.now();
    try {
      const [main, cand] = await Promise.all([held.slot.scorer.run(X, nRows), shadow?.slot.scorer.run(X, nRows)]);
      this.onLatency?.(performance.now() - t0);
      if (shadow && cand && this.#shadow === shadow) this.#compare(shadow, main.score, cand.score, held.slot.threshold, nRows);
      return { ...main, modelId: held.slot.id, threshold: held.slot.threshold };
    } finally {
      held.runs--;
      if (shadow) shadow.runs--;
      await Promise.all([release(held), shadow ? release(shadow) : undefined]);
    }
  }

  /** Makes slot current; returns the slot it replaced (disposed once its runs finish). */
  async swap(slot: ModelSlot): Promise<ModelSlot | undefined> {
    const old = this.#current;
    this.#current = { slot, runs: 0, retired: false };
    if (this.#shadow?.slot === slot) this.#shadow = undefined; // promoted: the shadow slot now serves as current
    if (old && old.slot !== slot) await retire(old);
    return old?.slot;
  }

  /** Starts scoring every batch with a candidate too; replaces an earlier shadow. */
  async startShadow(slot: ModelSlot): Promise<void> {
    const old = this.#shadow;
    this.#shadow = { slot, runs: 0, retired: false, rows: 0, agreed: 0 };
    if (old) await retire(old);
  }

  shadowReport(): ShadowReport | undefined {
    const s = this.#shadow;
    return s && { modelId: s.slot.id, rows: s.rows, agreed: s.agreed, agreement: s.rows ? s.agreed / s.rows : 1 };
  }

  /** Ends the shadow period without promotion; disposes the candidate. */
  async stopShadow(): Promise<void> {
    const old = this.#shadow;
    this.#shadow = undefined;
    if (old) await retire(old);
  }

  async close(): Promise<void> {
    const [cur, sh] = [this.#current, this.#shadow];
    this.#current = this.#shadow = undefined;
    await Promise.all([cur && retire(cur), sh && retire(sh)]);
  }

  #compare(shadow: ShadowHeld, a: Float32Array, b: Float32Array, threshold: number, nRows: number): void {
    for (let r = 0; r < nRows; r++) if ((a[r] > threshold) === (b[r] > shadow.slot.threshold)) shadow.agreed++;
    shadow.rows += nRows;
    this.#onShadowRows?.(this.shadowReport()!);
  }
}

async function retire(h: Held): Promise<void> {
  h.retired = true;
  await release(h);
}

async function release(h: Held): Promise<void> {
  if (h.retired && h.runs === 0) {
    h.retired = false; // dispose once
    await h.slot.scorer.dispose();
  }
}
