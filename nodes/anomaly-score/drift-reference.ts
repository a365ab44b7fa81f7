/**
 * Drift of one asset against the operating point it was scored at first: the first `reference` windows
 * (smoothed score and features) become the DriftWatcher's baseline, then each window is pushed to it.
 * Drift events are distinct from anomalies: the process moved, the model may need re-learning.
 */
import { DriftWatcher, type DriftEvent, type DriftStatistic } from '../../gateway/detection/index.ts';

export interface DriftSettings {
  /** Windows that form the baseline (0: no drift watching). */
  reference: number;
  /** Rolling window compared with the baseline, in windows. */
  window: number;
  statistic: DriftStatistic;
}

export class DriftReference {
  private readonly asset: string;
  private readonly settings: DriftSettings;
  private readonly channels: string[];
  private readonly baseline: Float64Array[];
  private count = 0;
  private readonly values: Float64Array;
  private watcher: DriftWatcher | undefined;

  constructor(asset: string, featureNames: readonly string[], settings: DriftSettings) {
    this.asset = asset;
    this.settings = settings;
    this.channels = ['score', ...featureNames];
    this.baseline = this.channels.map(() => new Float64Array(settings.reference));
    this.values = new Float64Array(this.channels.length);
  }

  get watching(): boolean {
    return this.watcher !== undefined;
  }

  push(ts: number, score: number, features: ArrayLike<number>): DriftEvent[] | undefined {
    if (this.settings.reference <= 0) return undefined;
    this.values[0] = score;
    for (let i = 1; i < this.values.length; i++) this.values[i] = features[i - 1];
    if (!this.watcher) {
      for (let c = 0; c < this.channels.length; c++) this.baseline[c][this.count] = this.values[c];
      if (++this.count === this.settings.reference) {
        this.watcher = new DriftWatcher(this.asset, this.baseline, {
          channels: this.channels,
          window: this.settings.window,
          statistic: this.settings.statistic,
        });
      }
      return undefined;
    }
    return this.watcher.push(ts, this.values) ?? undefined;
  }
}
