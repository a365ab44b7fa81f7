/**
 * AssetDetector: what the gateway does with one asset's window scores, in one object shared by the anomaly-score
 * node and `telltale evaluate` — smoothing, the calibrated threshold with alert hysteresis and minimum durations,
 * and (optionally) drift of the score and features against the training baseline.
 */
import { AlertTracker, type AlertEvent, type Contributions } from './alerts.ts';
import { DriftWatcher, type DriftEvent, type DriftOptions } from './drift.ts';
import { ScoreSmoother } from './smoothing.ts';

export interface DetectorOptions {
  /** The calibrated threshold (calibrateThreshold(...).threshold). */
  threshold: number;
  /** EMA span over window scores (default 0: none). */
  smoothing?: number;
  /** Alerts close below threshold × closeRatio (default 1: no hysteresis). */
  closeRatio?: number;
  minOpenWindows?: number;
  minCloseWindows?: number;
  topTags?: number;
  /** Watch drift of [score, ...features] against these baselines (training scores first, then one per feature). */
  drift?: { baseline: readonly ArrayLike<number>[]; options: DriftOptions };
}

export interface Detection {
  /** Smoothed score the threshold is applied to. */
  score: number;
  threshold: number;
  /** True while an alert is open. */
  anomalous: boolean;
  alert?: AlertEvent;
  drift?: DriftEvent[];
}

export class AssetDetector {
  readonly asset: string;
  readonly threshold: number;
  private readonly smoother: ScoreSmoother;
  private readonly tracker: AlertTracker;
  private readonly drift: DriftWatcher | undefined;
  private readonly driftValues: Float64Array | undefined;

  constructor(asset: string, opts: DetectorOptions) {
    this.asset = asset;
    this.threshold = opts.threshold;
    this.smoother = new ScoreSmoother(opts.smoothing ?? 0);
    this.tracker = new AlertTracker(asset, {
      openAbove: opts.threshold,
      closeBelow: opts.threshold * (opts.closeRatio ?? 1),
      minOpenWindows: opts.minOpenWindows,
      minCloseWindows: opts.minCloseWindows,
      topTags: opts.topTags,
    });
    if (opts.drift) {
      this.drift = new DriftWatcher(asset, opts.drift.baseline, opts.drift.options);
      this.driftValues = new Float64Array(opts.drift.options.channels.length);
    }
  }

  /**
   * One window: its raw model score, optionally its per-feature contributions (for the alert's top tags) and its
   * feature values (for drift; in the drift channel order after the score).
   */
  update(ts: number, rawScore: number, contributions?: Contributions, features?: ArrayLike<number>): Detection {
    const score = this.smoother.next(rawScore);
    const alert = this.tracker.update(ts, score, contributions);
    const d: Detection = { score, threshold: this.threshold, anomalous: this.tracker.isOpen };
    if (alert) d.alert = alert;
    if (this.drift && this.driftValues) {
      this.driftValues[0] = score;
      if (features) for (let i = 1; i < this.driftValues.length; i++) this.driftValues[i] = features[i - 1];
      const ev = this.drift.push(ts, this.driftValues);
      if (ev) d.drift = ev;
    }
    return d;
  }

  reset(): void {
    this.smoother.reset();
    this.tracker.reset();
    this.drift?.reset();
  }
}
