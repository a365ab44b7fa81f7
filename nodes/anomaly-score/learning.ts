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
  return safe === '' || /^\.+$/.test(safe) ? `_${safe}` : safe;
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

export class AssetLearning {
  readonly asset: string;
  readonly inputNames: readonly string[];
  private readonly settings: LearnSettings;
  private readonly learner: BaselineLearner;

  constructor(asset: string, inputNames: readonly string[], settings: LearnSettings) {
    this.asset = asset;
    this.inputNames = inputNames;
    this.settings = settings;
    this.learner = new BaselineLearner({
      family: settings.family,
      nInputs: inputNames.length,
      rows: settings.windows,
      spanMs: settings.spanMs,
      int8: settings.int8,
      calibration: { method: 'quantile', quantile: settings.quantile, margin: settings.margin },
    });
  }

  /** "120/600" (windows) or "35 %" (a span). */
  get progress(): string {
    const { windows } = this.settings;
    return windows ? `${this.learner.rows}/${windows}` : `${Math.floor(this.learner.progress * 100)} %`;
  }

  /** Adds one window; true once the span is complete and fit() may run. */
  add(row: ArrayLike<number>, ts: number): boolean {
    return this.learner.add(row, ts) === 'ready';
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
