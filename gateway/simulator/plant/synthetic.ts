/**
 * The scale plant for benchmarks: N assets × M analog tags of cheap synthetic signals (a slow sine per tag plus
 * white noise), so the simulator can serve tens of thousands of values per tick. A fault of any kind shifts
 * every tag of its asset by up to 10 units with its severity.
 */
import { SimulatedPlant } from './simulated.ts';
import { SeededRandom } from './random.ts';
import type { Plant, ScheduledFault, SignalSpec } from './types.ts';

export interface SyntheticPlantOptions {
  assets: number;
  tagsPerAsset: number;
  seed?: number;
  faults?: readonly ScheduledFault[];
  startMs?: number;
}

export class SyntheticPlant extends SimulatedPlant implements Plant {
  readonly kind = 'synthetic' as const;
  readonly assets: readonly string[];
  readonly signals: readonly SignalSpec[];
  readonly values: Float64Array;
  private readonly rng: SeededRandom;
  /** Per value: offset, amplitude, angular frequency (rad/s), phase. */
  private readonly shape: Float64Array;

  constructor(opts: SyntheticPlantOptions) {
    const { assets, tagsPerAsset } = opts;
    // Checked before super() so the message names the option, not an array length.
    if (!Number.isInteger(assets) || assets < 1) throw new RangeError(`assets: expected a whole number >= 1, got ${assets}`);
    if (!Number.isInteger(tagsPerAsset) || tagsPerAsset < 1) throw new RangeError(`tags-per-asset: expected a whole number >= 1, got ${tagsPerAsset}`);
    const names = Array.from({ length: assets }, (_, i) => `asset-${i + 1}`);
    super(names, opts.faults, opts.startMs);
    this.assets = names;
    const width = String(tagsPerAsset).length;
    this.signals = Array.from({ length: tagsPerAsset }, (_, k) => ({
      name: `tag_${String(k + 1).padStart(width, '0')}`,
      kind: 'analog' as const,
      int16Scale: 0.01,
      range: { low: -100, high: 100 },
    }));
    const n = assets * tagsPerAsset;
    this.values = new Float64Array(n);
    this.rng = new SeededRandom(opts.seed ?? 1);
    this.shape = new Float64Array(n * 4);
    for (let i = 0; i < n; i++) {
      this.shape[i * 4] = this.rng.between(-50, 50);
      this.shape[i * 4 + 1] = this.rng.between(1, 20);
      this.shape[i * 4 + 2] = 2 * Math.PI * this.rng.between(0.01, 0.5);
      this.shape[i * 4 + 3] = this.rng.between(0, 2 * Math.PI);
    }
    this.step(0);
  }

  protected advance(): void {
    const t = this.timeS;
    const m = this.signals.length;
    const v = this.values;
    const sh = this.shape;
    for (let a = 0; a < this.assets.length; a++) {
      const shift = 10 * this.faults.severity[a];
      for (let i = a * m, end = i + m; i < end; i++) {
        const j = i * 4;
        v[i] = sh[j] + sh[j + 1] * Math.sin(sh[j + 2] * t + sh[j + 3]) + (this.rng.next() - 0.5) + shift;
      }
    }
  }
}
