/**
 * FeatureWindow: per-asset sliding (hop < size) or tumbling (hop = size) windows over an asset's tags, on one
 * preallocated interleaved Float64Array ring. push() and next() allocate nothing.
 *
 *   const w = new FeatureWindow({ tags: ['flow', 'pressure'], size: 60, hop: 10 });
 *   if (w.push(values)) model.input.set(w.next());   // a window completed: its feature vector, layout w.layout
 */
import { FeatureLayout } from './layout.ts';
import { SpectrumAnalyzer, type Band } from './spectrum.ts';
import { newScalarStats, ringStats, SCALAR_FEATURES, type ScalarFeature } from './stats.ts';

export interface SpectralTagOptions {
  /** Sampling rate of this tag's samples, Hz. */
  sampleRate: number;
  bands: readonly Band[];
  envelopeBands?: readonly Band[];
}

export interface FeatureWindowOptions {
  /** Tags in the order push() receives their values. */
  tags: readonly string[];
  /** Samples per window. */
  size: number;
  /** Samples between window ends; default size (tumbling). */
  hop?: number;
  /** Time-domain features per tag; default all of SCALAR_FEATURES. */
  features?: readonly ScalarFeature[];
  /** Per-tag override of `features` (e.g. only slope for a slowly drifting temperature). */
  tagFeatures?: Readonly<Record<string, readonly ScalarFeature[]>>;
  /** High-rate vibration tags that also get FFT band and envelope features (window size must be a power of two). */
  spectral?: Readonly<Record<string, SpectralTagOptions>>;
}

export class FeatureWindowError extends Error {
  override name = 'FeatureWindowError';
}

export class FeatureWindow {
  readonly tags: readonly string[];
  readonly size: number;
  readonly hop: number;
  readonly layout: FeatureLayout;
  private readonly ring: Float64Array;
  private readonly last: Float64Array;
  /** Per tag, indices into SCALAR_FEATURES of the features it emits. */
  private readonly featIdx: Int32Array[];
  private readonly stats = newScalarStats();
  private readonly spectra: (SpectrumAnalyzer | undefined)[];
  private readonly vector: Float64Array;
  private end = 0;
  private count = 0;
  private sinceEmit = 0;
  private missing = 0;

  constructor(opts: FeatureWindowOptions) {
    const { tags, size } = opts;
    const hop = opts.hop ?? size;
    if (tags.length === 0) throw new FeatureWindowError('feature window: tags must not be empty');
    if (new Set(tags).size !== tags.length) throw new FeatureWindowError(`feature window: duplicate tag in ${tags.join(', ')}`);
    if (!Number.isInteger(size) || size < 2) throw new FeatureWindowError(`feature window: size must be an integer ≥ 2, got ${size}`);
    if (!Number.isInteger(hop) || hop < 1 || hop > size) throw new FeatureWindowError(`feature window: hop must be an integer in 1..size (${size}), got ${hop}`);
    const features = opts.features ?? SCALAR_FEATURES;
    const perTag = tags.map((t) => opts.tagFeatures?.[t] ?? features);
    for (const f of perTag.flat()) {
      if (!SCALAR_FEATURES.includes(f)) throw new FeatureWindowError(`feature window: unknown feature ${JSON.stringify(f)} (expected one of ${SCALAR_FEATURES.join(', ')})`);
    }
    for (const t of Object.keys(opts.tagFeatures ?? {})) {
      if (!tags.includes(t)) throw new FeatureWindowError(`feature window: tagFeatures tag ${JSON.stringify(t)} is not one of the tags`);
    }
    for (const t of Object.keys(opts.spectral ?? {})) {
      if (!tags.includes(t)) throw new FeatureWindowError(`feature window: spectral tag ${JSON.stringify(t)} is not one of the tags`);
    }
    this.tags = Object.freeze([...tags]);
    this.size = size;
    this.hop = hop;
    this.featIdx = perTag.map((fs) => Int32Array.from(fs, (f) => SCALAR_FEATURES.indexOf(f)));
    this.spectra = tags.map((t) => {
      const s = opts.spectral?.[t];
      if (!s) return undefined;
      try {
        return new SpectrumAnalyzer({ size, sampleRate: s.sampleRate, bands: s.bands, envelopeBands: s.envelopeBands });
      } catch (err) {
        throw new FeatureWindowError(`feature window: tag ${JSON.stringify(t)}: ${(err as Error).message}`);
      }
    });
    const names: string[] = [];
    tags.forEach((t, i) => {
      for (const f of perTag[i]) names.push(`${t}.${f}`);
      for (const n of this.spectra[i]?.names ?? []) names.push(`${t}.${n}`);
    });
    this.layout = new FeatureLayout(names);
    this.ring = new Float64Array(size * tags.length);
    this.last = new Float64Array(tags.length);
    this.vector = new Float64Array(names.length);
  }

  /** Samples pushed since the last reset. */
  get samples(): number {
    return this.count;
  }

  /** Values that were missing (NaN / non-finite) and were held at the tag's last good value. */
  get heldValues(): number {
    return this.missing;
  }

  /**
   * Adds one sample (a value per tag, in tag order). Non-finite values (bad quality) hold the tag's last good value
   * so one dropped read does not poison a whole window. Returns true when a window completed: call next().
   */
  push(values: ArrayLike<number>): boolean {
    const n = this.tags.length;
    if (values.length !== n) throw new FeatureWindowError(`feature window: expected ${n} values (${this.tags.join(', ')}), got ${values.length}`);
    const base = this.end * n;
    for (let j = 0; j < n; j++) {
      let v = values[j];
      if (Number.isFinite(v)) this.last[j] = v;
      else {
        v = this.last[j];
        this.missing++;
      }
      this.ring[base + j] = v;
    }
    if (++this.end === this.size) this.end = 0;
    this.count++;
    if (this.count < this.size) return false;
    if (this.count === this.size || ++this.sinceEmit === this.hop) {
      this.sinceEmit = 0;
      return true;
    }
    return false;
  }

  /** Features of the latest complete window into `out` (or an internal vector reused on every call). */
  next(out: Float64Array = this.vector): Float64Array {
    if (this.count < this.size) throw new FeatureWindowError(`feature window: only ${this.count} of ${this.size} samples so far`);
    const n = this.tags.length;
    let o = 0;
    for (let j = 0; j < n; j++) {
      const idx = this.featIdx[j];
      if (idx.length > 0) ringStats(this.ring, this.size, n, j, this.end, this.size, this.stats);
      for (let f = 0; f < idx.length; f++) out[o++] = this.stats[idx[f]];
      const sp = this.spectra[j];
      if (sp) {
        sp.analyseRing(this.ring, this.size, n, j, this.end, out, o);
        o += sp.names.length;
      }
    }
    return out;
  }

  reset(): void {
    this.end = 0;
    this.count = 0;
    this.sinceEmit = 0;
    this.missing = 0;
    this.last.fill(0);
  }
}
