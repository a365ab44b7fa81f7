/**
 * FeatureProcessor: the pipeline processor over FeatureWindow. Takes acquisition batches of many assets
 * (`{ asset, ts, values, quality }`), keeps one window per asset, and returns a feature frame whenever an asset's
 * window completes. Hosts (the feature-window node, the gateway runtime, benchmarks) stay thin over it.
 */
import type { Processor } from '../core/pipeline.ts';
import type { Quality, TagValue } from '../core/sample.ts';
import { FeatureWindow, FeatureWindowError, type FeatureWindowOptions } from './window.ts';

export interface AcquiredSample {
  asset: string;
  ts: number;
  values: Record<string, TagValue>;
  quality?: Record<string, Quality>;
}

export interface FeatureFrame {
  asset: string;
  /** ts of the newest sample in the window. */
  ts: number;
  features: Record<string, number>;
  /** The same values in layout order (names in `names`), for model input. */
  vector?: number[];
  names?: readonly string[];
}

export interface FeatureProcessorOptions extends Omit<FeatureWindowOptions, 'tags'> {
  /** Tags to window, in vector order; default: the numeric/boolean tags of each asset's first batch. */
  tags?: readonly string[];
  /** Also return the vector and names (default false). */
  vector?: boolean;
  /** Refuse more assets than this, so a misrouted flow cannot grow memory without bound (default 1000). */
  maxAssets?: number;
}

interface AssetState {
  window: FeatureWindow;
  sample: Float64Array;
}

export class FeatureProcessor implements Processor<AcquiredSample, FeatureFrame> {
  private readonly opts: FeatureProcessorOptions;
  private readonly assets = new Map<string, AssetState>();

  constructor(opts: FeatureProcessorOptions) {
    this.opts = opts;
    // Validate the options once, up front, so a bad config fails at deploy and not on the first message.
    new FeatureWindow({ ...opts, tags: opts.tags && opts.tags.length > 0 ? opts.tags : ['_'], spectral: opts.tags ? opts.spectral : undefined });
  }

  /** Assets with a window so far. */
  get assetCount(): number {
    return this.assets.size;
  }

  apply(s: AcquiredSample): FeatureFrame | undefined {
    if (typeof s.asset !== 'string' || s.asset === '') throw new FeatureWindowError('feature window: payload.asset must be a non-empty string');
    if (!Number.isFinite(s.ts)) throw new FeatureWindowError(`feature window: asset ${JSON.stringify(s.asset)}: payload.ts must be a number (ms since the epoch)`);
    if (s.values === null || typeof s.values !== 'object') throw new FeatureWindowError(`feature window: asset ${JSON.stringify(s.asset)}: payload.values must be an object of tag values`);
    const st = this.assets.get(s.asset) ?? this.addAsset(s);
    if (!st) return undefined;
    const tags = st.window.tags;
    for (let j = 0; j < tags.length; j++) {
      const v = s.values[tags[j]];
      const q = s.quality?.[tags[j]];
      st.sample[j] = q !== undefined && q.status !== 'good' ? NaN : typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : NaN;
    }
    if (!st.window.push(st.sample)) return undefined;
    const vec = st.window.next();
    const layout = st.window.layout;
    const frame: FeatureFrame = { asset: s.asset, ts: s.ts, features: layout.toRecord(vec) };
    if (this.opts.vector) {
      frame.vector = Array.from(vec);
      frame.names = layout.names;
    }
    return frame;
  }

  reset(asset?: string): void {
    if (asset === undefined) this.assets.clear();
    else this.assets.delete(asset);
  }

  /** The asset's window, laid out on its first batch with values; undefined while its device delivers none (down at start). */
  private addAsset(s: AcquiredSample): AssetState | undefined {
    const max = this.opts.maxAssets ?? 1000;
    if (this.assets.size >= max) throw new FeatureWindowError(`feature window: asset ${JSON.stringify(s.asset)} would exceed the limit of ${max} assets`);
    const tags = this.opts.tags && this.opts.tags.length > 0
      ? this.opts.tags
      : Object.keys(s.values).filter((k) => typeof s.values[k] === 'number' || typeof s.values[k] === 'boolean');
    const quality = Object.values(s.quality ?? {});
    const nothingRead = Object.keys(s.values).length === 0 || (quality.length > 0 && quality.every((q) => q.status !== 'good'));
    if (tags.length === 0 && nothingRead) return undefined;
    if (tags.length === 0) throw new FeatureWindowError(`feature window: asset ${JSON.stringify(s.asset)}: no numeric tags in the first batch`);
    let window: FeatureWindow;
    try {
      window = new FeatureWindow({ ...this.opts, tags });
    } catch (err) {
      throw new FeatureWindowError(`asset ${JSON.stringify(s.asset)}: ${(err as Error).message}`);
    }
    const st = { window, sample: new Float64Array(tags.length) };
    this.assets.set(s.asset, st);
    return st;
  }
}
