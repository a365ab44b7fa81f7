/**
 * Which fault each asset has, how severe it is now (a linear ramp from onset to its final severity), and the
 * schedule that switches faults on and off. One fault per asset at a time: a new one replaces the old.
 */
import { FAULT_CODES, FAULT_KINDS, type FaultKind, type FaultOptions, type GroundTruth, type ScheduledFault } from './types.ts';

const DEFAULT_OPEN_RAMP_S = 60;

export class FaultBook {
  /** Per asset: FAULT_CODES of the active fault, 0 when healthy (shared with the plant's faultCode). */
  readonly code: Uint16Array;
  /** Per asset: severity now, 0..1. */
  readonly severity: Float64Array;
  private readonly assets: readonly string[];
  private readonly kinds: (FaultKind | undefined)[];
  private readonly onsetS: Float64Array;
  private readonly endS: Float64Array;
  private readonly target: Float64Array;
  private readonly rampS: Float64Array;
  private readonly schedule: ScheduledFault[];
  private nextScheduled = 0;

  constructor(assets: readonly string[], schedule: readonly ScheduledFault[] = []) {
    this.assets = assets;
    const n = assets.length;
    this.code = new Uint16Array(n);
    this.severity = new Float64Array(n);
    this.kinds = new Array<FaultKind | undefined>(n).fill(undefined);
    this.onsetS = new Float64Array(n);
    this.endS = new Float64Array(n).fill(Infinity);
    this.target = new Float64Array(n);
    this.rampS = new Float64Array(n);
    schedule.forEach((f, i) => {
      this.indexOf(f.asset, `faults[${i}].asset`);
      checkOptions(f.kind, f, `faults[${i}]`);
      if (!Number.isFinite(f.atS) || f.atS < 0) throw new RangeError(`faults[${i}].atS: expected seconds >= 0, got ${f.atS}`);
    });
    this.schedule = [...schedule].sort((a, b) => a.atS - b.atS);
  }

  /** The index of an asset, or a RangeError naming the known assets. */
  indexOf(asset: string, where = 'asset'): number {
    const a = this.assets.indexOf(asset);
    if (a < 0) throw new RangeError(`${where}: unknown asset "${asset}" (the plant has ${this.assets.join(', ')})`);
    return a;
  }

  inject(asset: string, kind: FaultKind, opts: FaultOptions, nowS: number): void {
    const a = this.indexOf(asset);
    checkOptions(kind, opts, `fault on ${asset}`);
    this.kinds[a] = kind;
    this.code[a] = FAULT_CODES[kind];
    this.onsetS[a] = nowS;
    this.endS[a] = opts.durationS === undefined ? Infinity : nowS + opts.durationS;
    this.target[a] = opts.severity ?? 1;
    this.rampS[a] = opts.rampS ?? (opts.durationS === undefined ? DEFAULT_OPEN_RAMP_S : opts.durationS / 2);
    this.severity[a] = 0;
  }

  clear(asset: string): void {
    this.clearIndex(this.indexOf(asset));
  }

  /** Starts due scheduled faults, ends expired ones and updates the severities. */
  update(nowS: number): void {
    while (this.nextScheduled < this.schedule.length && this.schedule[this.nextScheduled].atS <= nowS) {
      const f = this.schedule[this.nextScheduled++];
      // Onset is the scheduled time, not the tick that noticed it, so ground truth does not depend on the rate.
      this.inject(f.asset, f.kind, f, f.atS);
    }
    for (let a = 0; a < this.code.length; a++) {
      if (this.code[a] === 0) continue;
      if (nowS >= this.endS[a]) {
        this.clearIndex(a);
        continue;
      }
      const ramp = this.rampS[a];
      const progress = ramp > 0 ? Math.min(1, Math.max(0, (nowS - this.onsetS[a]) / ramp)) : 1;
      this.severity[a] = this.target[a] * progress;
    }
  }

  /** Severity of `kind` on asset index a (0 when another or no fault is active). */
  of(a: number, kind: FaultKind): number {
    return this.kinds[a] === kind ? this.severity[a] : 0;
  }

  groundTruth(startMs: number): GroundTruth[] {
    return this.assets.map((asset, a) => {
      const kind = this.kinds[a];
      if (kind === undefined) return { asset, active: false, code: 0, severity: 0 };
      return { asset, active: true, kind, code: this.code[a], onsetMs: Math.round(startMs + this.onsetS[a] * 1000), severity: this.severity[a] };
    });
  }

  private clearIndex(a: number): void {
    this.kinds[a] = undefined;
    this.code[a] = 0;
    this.severity[a] = 0;
    this.endS[a] = Infinity;
  }
}

function checkOptions(kind: FaultKind, opts: FaultOptions, where: string): void {
  if (!(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new RangeError(`${where}.kind: expected one of ${FAULT_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  }
  const { severity, rampS, durationS } = opts;
  if (severity !== undefined && !(severity >= 0 && severity <= 1)) throw new RangeError(`${where}.severity: expected 0..1, got ${severity}`);
  if (rampS !== undefined && !(rampS >= 0)) throw new RangeError(`${where}.rampS: expected seconds >= 0, got ${rampS}`);
  if (durationS !== undefined && !(durationS > 0)) throw new RangeError(`${where}.durationS: expected seconds > 0, got ${durationS}`);
}
