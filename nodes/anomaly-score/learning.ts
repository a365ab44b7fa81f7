/**
 * On-device learning for one asset: collect a span of normal windows (BaselineLearner), fit the baseline model
 * in-process, calibrate its threshold from the ONNX model's own training scores, and write the bundle under
 * `dir/<asset>/` so a restart finds it (openModel) and scores at once instead of learning again.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BaselineLearner, BatchScorer, openModel, writeModelBundle, type ModelFamily } from '../../gateway/models/index.ts';

export interface LearnSettings {
  family: ModelFamily;
  /** Windows of normal operation to learn from … */
  windows?: number;
  /** … or this span, whichever is complete first. */
  spanMs?: number;
  /** Threshold = quantile of the training scores × margin. */
  quantile: number;
  margin: number;
  int8: boolean;
  /** Directory holding one learned bundle per asset. */
  dir: string;
}

/** A scorer for one asset, learned here or loaded from an earlier run. */
export interface AssetModel {
  batch: BatchScorer;
  inputNames: readonly string[];
  threshold: number;
  dispose(): Promise<void>;
  /** Where the bundle lives. */
  path: string;
}

/** Asset names become directory names: keep them readable but never let one escape `dir`. */
export function assetDirName(asset: string): string {
  const safe = asset.replace(/[^A-Za-z0-9_.-]/g, '_');
  // A leading dot or dash would make a hidden directory or an option-like name, and a bundle name the model reader
  // refuses (plain names start with a letter, digit or _): prefix it.
  return /^[A-Za-z0-9_]/.test(safe) ? safe : `_${safe}`;
}

function wrap(scorer: { dispose(): Promise<void> }, batch: BatchScorer, inputNames: readonly string[], threshold: number, path: string): AssetModel {
  return {
    batch,
    inputNames,
    threshold,
    path,
    dispose: async () => {
      batch.close();
      await scorer.dispose();
    },
  };
}

/** The bundle learned for this asset in an earlier run, if there is one. */
export async function loadLearned(asset: string, settings: LearnSettings): Promise<AssetModel | undefined> {
  const dir = join(settings.dir, assetDirName(asset));
  if (!existsSync(join(dir, `${assetDirName(asset)}.manifest.json`))) return undefined;
  const opened = await openModel(dir, { int8: settings.int8 });
  if (opened.threshold === undefined) throw new Error(`learned bundle ${dir} has no threshold`);
  return wrap(opened.scorer, new BatchScorer(opened.scorer), opened.inputNames, opened.threshold, dir);
}

/** Fewest windows a baseline of n inputs is fitted from: the covariance needs well over n rows (BaselineLearner's own floor). */
export const minWindows = (nInputs: number): number => 2 * nInputs + 10;

export class AssetLearning {
  readonly asset: string;
  readonly inputNames: readonly string[];
  /** Set when the configured span is too short for this many inputs: what the learner collects instead. */
  extended: string | undefined;
  private readonly settings: LearnSettings;
  private learner: BaselineLearner;
  private windows: number | undefined;

  constructor(asset: string, inputNames: readonly string[], settings: LearnSettings) {
    this.asset = asset;
    this.inputNames = inputNames;
    this.settings = settings;
    const floor = minWindows(inputNames.length);
    if (settings.windows !== undefined && settings.windows < floor) {
      this.extended = `asset "${asset}": ${settings.windows} windows are too few to fit ${inputNames.length} inputs; learning from ${floor}`;
      this.windows = floor;
    } else {
      this.windows = settings.windows;
    }
    this.learner = this.newLearner(this.windows, settings.spanMs);
  }

  private newLearner(rows: number | undefined, spanMs: number | undefined): BaselineLearner {
    return new BaselineLearner({
      family: this.settings.family,
      nInputs: this.inputNames.length,
      rows,
      spanMs,
      minRows: minWindows(this.inputNames.length),
      int8: this.settings.int8,
      calibration: { method: 'quantile', quantile: this.settings.quantile, margin: this.settings.margin },
    });
  }

  /** "120/600" (windows) or "35 %" (a span). */
  get progress(): string {
    return this.windows ? `${this.learner.rows}/${this.windows}` : `${Math.floor(this.learner.progress * 100)} %`;
  }

  /** 0…1: how much of the windows or span is collected. */
  get fraction(): number {
    return this.windows ? Math.min(1, this.learner.rows / this.windows) : this.learner.progress;
  }

  /** Adds one window: 'ready' once the span is complete and fit() may run, 'extended' when it had to be made longer. */
  add(row: ArrayLike<number>, ts: number): 'collecting' | 'ready' | 'extended' {
    if (this.learner.add(row, ts) !== 'ready') return 'collecting';
    const floor = minWindows(this.inputNames.length);
    if (this.learner.rows >= floor) return 'ready';
    // A time span that held too few windows to fit: keep learning by count, from where it got to.
    this.extended = `asset "${this.asset}": the learning span held only ${this.learner.rows} windows, too few to fit ${this.inputNames.length} inputs; learning from ${floor}`;
    this.windows = floor;
    this.learner = this.newLearner(floor, undefined);
    return 'extended';
  }

  async fit(): Promise<AssetModel> {
    const learned = await this.learner.fit();
    const name = assetDirName(this.asset);
    const dir = join(this.settings.dir, name);
    try {
      await writeModelBundle(dir, name, learned.model, {
        description: `learned on the device for asset "${this.asset}"`,
        inputs: { names: [...this.inputNames] },
        threshold: {
          value: learned.threshold,
          method: `quantile ${this.settings.quantile} of ONNX ${this.settings.int8 ? 'int8' : 'float'} training scores × ${this.settings.margin} (on-device)`,
        },
        training: {
          rows: learned.rows,
          source: `on-device learning, asset "${this.asset}"`,
          span: { from: new Date(learned.span.from).toISOString(), to: new Date(learned.span.to).toISOString() },
        },
      });
    } catch (err) {
      await learned.scorer.dispose();
      throw err;
    }
    return wrap(learned.scorer, new BatchScorer(learned.scorer), this.inputNames, learned.threshold, dir);
  }
}
