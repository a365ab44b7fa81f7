/**
 * DriftWatcher: watches the distribution of scores and features on a rolling window against the training
 * baseline, per channel, with the Population Stability Index (PSI over baseline-decile bins) or the two-sample
 * Kolmogorov–Smirnov statistic. Drift is its own event, distinct from an anomaly: the process moved (a new
 * operating point, a re-calibrated sensor), and the model may need re-training rather than someone running.
 * Hand-written: both statistics are a few lines over preallocated counts; no kept JS library does them in place.
 */

export type DriftStatistic = 'psi' | 'ks';

export interface DriftOptions {
  /** Channel names (e.g. 'score', 'flow.mean'), in the order push() receives their values. */
  channels: readonly string[];
  /** Rolling window length, in pushes (default 200). */
  window?: number;
  /** Evaluate every this many pushes once the window is full (default window / 4). */
  every?: number;
  statistic?: DriftStatistic;
  /** PSI above which a channel drifts (default 0.25, the usual "significant shift"). */
  psiLimit?: number;
  /** KS significance level (default 0.001): D above c(α)·√((n+m)/(n·m)). */
  ksAlpha?: number;
  /** PSI bins, at baseline quantiles (default 10). */
  bins?: number;
  /** A drifting channel ends drifting below limit × endRatio (default 0.8). */
  endRatio?: number;
}

export interface DriftEvent {
  kind: 'drift-start' | 'drift-end';
  asset: string;
  channel: string;
  statistic: DriftStatistic;
  value: number;
  limit: number;
  ts: number;
}

export class DriftError extends Error {
  override name = 'DriftError';
}

const EPS = 1e-4;

export class DriftWatcher {
  readonly asset: string;
  readonly channels: readonly string[];
  readonly statistic: DriftStatistic;
  readonly limit: number;
  private readonly window: number;
  private readonly every: number;
  private readonly nBins: number;
  private readonly endRatio: number;
  /** Per channel: sorted baseline. */
  private readonly baseline: Float64Array[];
  /** Per channel: bin edges (nBins − 1 inner edges) and baseline share per bin. */
  private readonly edges: Float64Array[];
  private readonly expected: Float64Array[];
  private readonly ring: Float64Array;
  private readonly binOf: Int32Array;
  private readonly counts: Int32Array;
  private readonly scratch: Float64Array;
  private readonly drifting: Uint8Array;
  private readonly lastValue: Float64Array;
  private pos = 0;
  private filled = 0;
  private since = 0;

  constructor(asset: string, baseline: readonly ArrayLike<number>[], opts: DriftOptions) {
    const ch = opts.channels;
    this.asset = asset;
    this.channels = Object.freeze([...ch]);
    this.statistic = opts.statistic ?? 'psi';
    if (this.statistic !== 'psi' && this.statistic !== 'ks') throw new DriftError(`drift: unknown statistic ${JSON.stringify(this.statistic)} (expected psi or ks)`);
    this.window = opts.window ?? 200;
    this.every = opts.every ?? Math.max(1, Math.floor(this.window / 4));
    this.nBins = opts.bins ?? 10;
    this.endRatio = opts.endRatio ?? 0.8;
    if (!Number.isInteger(this.window) || this.window < 10) throw new DriftError(`drift: window must be an integer ≥ 10, got ${this.window}`);
    if (baseline.length !== ch.length) throw new DriftError(`drift: ${ch.length} channels but ${baseline.length} baseline series`);
    this.baseline = baseline.map((b, c) => {
      if (b.length < this.nBins * 2) throw new DriftError(`drift: channel ${JSON.stringify(ch[c])}: baseline needs ≥ ${this.nBins * 2} values, got ${b.length}`);
      return Float64Array.from(b).sort();
    });
    this.edges = this.baseline.map((s) => {
      const e = new Float64Array(this.nBins - 1);
      for (let k = 1; k < this.nBins; k++) e[k - 1] = s[Math.floor((k * s.length) / this.nBins)];
      return e;
    });
    this.expected = this.baseline.map((s, c) => {
      const cnt = new Float64Array(this.nBins);
      for (let i = 0; i < s.length; i++) cnt[this.bin(c, s[i])]++;
      for (let k = 0; k < this.nBins; k++) cnt[k] = Math.max(EPS, cnt[k] / s.length);
      return cnt;
    });
    const m = ch.length;
    if (this.statistic === 'psi') {
      this.limit = opts.psiLimit ?? 0.25;
    } else {
      const alpha = opts.ksAlpha ?? 1e-3;
      const c = Math.sqrt(-0.5 * Math.log(alpha / 2));
      const nb = this.baseline[0].length;
      this.limit = c * Math.sqrt((nb + this.window) / (nb * this.window));
    }
    this.ring = new Float64Array(this.window * m);
    this.binOf = new Int32Array(this.window * m);
    this.counts = new Int32Array(this.nBins * m);
    this.scratch = new Float64Array(this.window);
    this.drifting = new Uint8Array(m);
    this.lastValue = new Float64Array(m).fill(NaN);
  }

  /** The latest statistic per channel (NaN until the window first fills). */
  values(): Float64Array {
    return this.lastValue;
  }

  /** Adds one value per channel; returns drift events when a channel starts or stops drifting. */
  push(ts: number, values: ArrayLike<number>): DriftEvent[] | undefined {
    const m = this.channels.length;
    if (values.length !== m) throw new DriftError(`drift: expected ${m} values (${this.channels.join(', ')}), got ${values.length}`);
    const base = this.pos * m;
    for (let c = 0; c < m; c++) {
      if (this.filled === this.window) this.counts[c * this.nBins + this.binOf[base + c]]--;
      const b = this.bin(c, values[c]);
      this.ring[base + c] = values[c];
      this.binOf[base + c] = b;
      this.counts[c * this.nBins + b]++;
    }
    if (++this.pos === this.window) this.pos = 0;
    if (this.filled < this.window) this.filled++;
    if (this.filled < this.window || ++this.since < this.every) return undefined;
    this.since = 0;
    let events: DriftEvent[] | undefined;
    for (let c = 0; c < m; c++) {
      const v = this.statistic === 'psi' ? this.psi(c) : this.ks(c);
      this.lastValue[c] = v;
      // Hysteresis: a channel stops drifting only well below the limit, so a window half-way back does not flap.
      const now = v > this.limit ? 1 : this.drifting[c] && v > this.limit * this.endRatio ? 1 : 0;
      if (now !== this.drifting[c]) {
        this.drifting[c] = now;
        (events ??= []).push({ kind: now ? 'drift-start' : 'drift-end', asset: this.asset, channel: this.channels[c], statistic: this.statistic, value: v, limit: this.limit, ts });
      }
    }
    return events;
  }

  isDrifting(channel: string): boolean {
    return this.drifting[this.channels.indexOf(channel)] === 1;
  }

  reset(): void {
    this.pos = 0;
    this.filled = 0;
    this.since = 0;
    this.counts.fill(0);
    this.drifting.fill(0);
    this.lastValue.fill(NaN);
  }

  private bin(c: number, v: number): number {
    const e = this.edges[c];
    let lo = 0;
    let hi = e.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v < e[mid]) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private psi(c: number): number {
    let s = 0;
    const exp = this.expected[c];
    for (let k = 0; k < this.nBins; k++) {
      const a = Math.max(EPS, this.counts[c * this.nBins + k] / this.window);
      s += (a - exp[k]) * Math.log(a / exp[k]);
    }
    return s;
  }

  private ks(c: number): number {
    const m = this.channels.length;
    const w = this.scratch;
    for (let i = 0; i < this.window; i++) w[i] = this.ring[i * m + c];
    w.sort();
    const b = this.baseline[c];
    let i = 0;
    let j = 0;
    let d = 0;
    while (i < b.length && j < w.length) {
      const x = Math.min(b[i], w[j]);
      while (i < b.length && b[i] <= x) i++;
      while (j < w.length && w[j] <= x) j++;
      d = Math.max(d, Math.abs(i / b.length - j / w.length));
    }
    return d;
  }
}
