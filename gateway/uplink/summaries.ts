/**
 * Per-asset summaries for the cloud: what the pipeline saw of an asset over one period (feature and score
 * statistics, health, alert counts), small enough to send every few minutes. Summaries merge exactly (count,
 * mean, min, max combine without the raw values), which is how a full outbox downsamples old ones.
 */

/** One thing the pipeline tells the uplink about an asset. Any field may be missing. */
export interface UplinkInput {
  asset: string;
  ts: number;
  features?: Record<string, number>;
  score?: number;
  /** Asset health index 0..1 (1 = healthy), or the share of good-quality values. */
  health?: number;
  alert?: UplinkAlert;
}

/** An alert event; detection's AlertEvent has this shape. */
export interface UplinkAlert {
  kind: 'open' | 'update' | 'close';
  id: string;
  asset: string;
  ts: number;
  score?: number;
  [more: string]: unknown;
}

export interface Stat { count: number; mean: number; min: number; max: number }

export interface AssetSummary {
  asset: string;
  from: number;
  to: number;
  /** Periods merged into this one (1 unless the outbox downsampled it). */
  periods: number;
  features: Record<string, Stat>;
  score?: Stat;
  health?: Stat;
  alerts: { opened: number; updated: number; closed: number };
}

export function addToStat(s: Stat | undefined, v: number): Stat {
  if (!s) return { count: 1, mean: v, min: v, max: v };
  s.count += 1;
  s.mean += (v - s.mean) / s.count;
  if (v < s.min) s.min = v;
  if (v > s.max) s.max = v;
  return s;
}

export function mergeStat(a: Stat | undefined, b: Stat | undefined): Stat | undefined {
  if (!a) return b && { ...b };
  if (!b) return { ...a };
  const count = a.count + b.count;
  return { count, mean: count === 0 ? 0 : (a.mean * a.count + b.mean * b.count) / count, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
}

/** Combines two summaries of one asset into one covering both periods. */
export function mergeSummaries(a: AssetSummary, b: AssetSummary): AssetSummary {
  if (a.asset !== b.asset) throw new Error(`cannot merge summaries of different assets: ${a.asset} and ${b.asset}`);
  const features: Record<string, Stat> = {};
  for (const name of new Set([...Object.keys(a.features), ...Object.keys(b.features)])) features[name] = mergeStat(a.features[name], b.features[name])!;
  const score = mergeStat(a.score, b.score);
  const health = mergeStat(a.health, b.health);
  return {
    asset: a.asset,
    from: Math.min(a.from, b.from),
    to: Math.max(a.to, b.to),
    periods: a.periods + b.periods,
    features,
    ...(score ? { score } : {}),
    ...(health ? { health } : {}),
    alerts: { opened: a.alerts.opened + b.alerts.opened, updated: a.alerts.updated + b.alerts.updated, closed: a.alerts.closed + b.alerts.closed },
  };
}

/** 7 significant digits: float32 sensor data has no more, and each digit is a byte on the uplink. */
const round = (v: number) => (v === 0 || !Number.isFinite(v) ? v : Number(v.toPrecision(7)));
const roundStat = (s: Stat): Stat => ({ count: s.count, mean: round(s.mean), min: round(s.min), max: round(s.max) });

function roundSummary(s: AssetSummary): AssetSummary {
  const features: Record<string, Stat> = {};
  for (const [k, v] of Object.entries(s.features)) features[k] = roundStat(v);
  return { ...s, features, ...(s.score ? { score: roundStat(s.score) } : {}), ...(s.health ? { health: roundStat(s.health) } : {}) };
}

/** Collects inputs per asset for one period; push() hands out the summaries and starts the next period. */
export class SummaryAggregator {
  private current = new Map<string, AssetSummary>();
  private periodStart: number;

  constructor(now = Date.now()) {
    this.periodStart = now;
  }

  add(input: UplinkInput): void {
    let s = this.current.get(input.asset);
    if (!s) {
      s = { asset: input.asset, from: this.periodStart, to: this.periodStart, periods: 1, features: {}, alerts: { opened: 0, updated: 0, closed: 0 } };
      this.current.set(input.asset, s);
    }
    if (input.features) {
      for (const [k, v] of Object.entries(input.features)) if (Number.isFinite(v)) s.features[k] = addToStat(s.features[k], v);
    }
    if (input.score !== undefined && Number.isFinite(input.score)) s.score = addToStat(s.score, input.score);
    if (input.health !== undefined && Number.isFinite(input.health)) s.health = addToStat(s.health, input.health);
    if (input.alert) {
      const k = input.alert.kind;
      if (k === 'open') s.alerts.opened += 1;
      else if (k === 'update') s.alerts.updated += 1;
      else s.alerts.closed += 1;
    }
  }

  /** The summaries of the period that ends now (assets that reported anything), and a fresh period. */
  push(now = Date.now()): AssetSummary[] {
    const out = [...this.current.values()].map((s) => roundSummary({ ...s, to: now }));
    this.current = new Map();
    this.periodStart = now;
    return out;
  }
}
