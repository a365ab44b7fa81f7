/**
 * AlertTracker: turns a stream of window scores of one asset into alerts that open, update and close.
 * Hysteresis (open above `openAbove`, close only below the lower `closeBelow`) and minimum durations (so many
 * consecutive windows above before opening, so many below before closing) keep one noisy window from paging anyone.
 */
import { FeatureLayout } from '../features/layout.ts';

export interface AlertPolicy {
  /** Score above which an alert may open (the calibrated threshold). */
  openAbove: number;
  /** Score below which an open alert may close (default: openAbove — no hysteresis). Must be ≤ openAbove. */
  closeBelow?: number;
  /** Consecutive windows above openAbove needed to open (default 1). */
  minOpenWindows?: number;
  /** Consecutive windows below closeBelow needed to close (default 1). */
  minCloseWindows?: number;
  /** How many contributing tags an alert names (default 3). */
  topTags?: number;
}

export interface TagContribution {
  tag: string;
  /** Share of the score this tag's features drive, 0..1. */
  share: number;
}

export interface AlertEvent {
  kind: 'open' | 'update' | 'close';
  id: string;
  asset: string;
  /** ts of the first window of the run that opened the alert. */
  openedAt: number;
  ts: number;
  score: number;
  peak: number;
  threshold: number;
  /** Windows since the alert opened (including those that opened it). */
  windows: number;
  topTags: TagContribution[];
}

/** Per-feature contributions to a score and the names of those features (`<tag>.<feature>`). */
export interface Contributions {
  names: readonly string[];
  values: ArrayLike<number>;
}

export class AlertPolicyError extends Error {
  override name = 'AlertPolicyError';
}

export function validatePolicy(p: AlertPolicy, where = 'alert policy'): Required<AlertPolicy> {
  const closeBelow = p.closeBelow ?? p.openAbove;
  const minOpenWindows = p.minOpenWindows ?? 1;
  const minCloseWindows = p.minCloseWindows ?? 1;
  const topTags = p.topTags ?? 3;
  if (!Number.isFinite(p.openAbove)) throw new AlertPolicyError(`${where}: openAbove must be a finite number, got ${p.openAbove}`);
  if (!(closeBelow <= p.openAbove)) throw new AlertPolicyError(`${where}: closeBelow (${closeBelow}) must be ≤ openAbove (${p.openAbove})`);
  for (const [k, v] of [['minOpenWindows', minOpenWindows], ['minCloseWindows', minCloseWindows]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new AlertPolicyError(`${where}: ${k} must be an integer ≥ 1, got ${v}`);
  }
  return { openAbove: p.openAbove, closeBelow, minOpenWindows, minCloseWindows, topTags };
}

/** Sums per-feature contributions per tag and returns the top n tags by share of the total. */
export function topContributingTags(c: Contributions, n: number): TagContribution[] {
  const byTag = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < c.names.length; i++) {
    const v = Math.max(0, c.values[i]);
    total += v;
    const tag = FeatureLayout.tagOf(c.names[i]);
    byTag.set(tag, (byTag.get(tag) ?? 0) + v);
  }
  return [...byTag]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([tag, v]) => ({ tag, share: total > 0 ? v / total : 0 }));
}

export class AlertTracker {
  readonly asset: string;
  readonly policy: Readonly<Required<AlertPolicy>>;
  private above = 0;
  private below = 0;
  private runStart = 0;
  private current: AlertEvent | undefined;
  private seq = 0;

  constructor(asset: string, policy: AlertPolicy) {
    this.asset = asset;
    this.policy = Object.freeze(validatePolicy(policy, `asset ${JSON.stringify(asset)}: alert policy`));
  }

  /** True while an alert is open. */
  get isOpen(): boolean {
    return this.current !== undefined;
  }

  /** The open alert, if any (its last event). */
  get openAlert(): AlertEvent | undefined {
    return this.current;
  }

  /** Feeds one window's score; returns the event it causes (open, update on a new peak, close), if any. */
  update(ts: number, score: number, contributions?: Contributions): AlertEvent | undefined {
    const p = this.policy;
    const cur = this.current;
    if (cur === undefined) {
      if (score > p.openAbove) {
        if (this.above++ === 0) this.runStart = ts;
      } else this.above = 0;
      if (this.above < p.minOpenWindows) return undefined;
      this.above = 0;
      this.below = 0;
      this.current = {
        kind: 'open',
        id: `${this.asset}-${this.runStart}-${++this.seq}`,
        asset: this.asset,
        openedAt: this.runStart,
        ts,
        score,
        peak: score,
        threshold: p.openAbove,
        windows: p.minOpenWindows,
        topTags: contributions ? topContributingTags(contributions, p.topTags) : [],
      };
      return { ...this.current };
    }
    cur.windows++;
    if (score < p.closeBelow) {
      if (++this.below >= p.minCloseWindows) {
        this.current = undefined;
        this.below = 0;
        return { ...cur, kind: 'close', ts, score };
      }
    } else this.below = 0;
    if (score > cur.peak) {
      cur.peak = score;
      cur.kind = 'update';
      cur.ts = ts;
      cur.score = score;
      if (contributions) cur.topTags = topContributingTags(contributions, p.topTags);
      return { ...cur };
    }
    return undefined;
  }

  reset(): void {
    this.current = undefined;
    this.above = 0;
    this.below = 0;
  }
}
