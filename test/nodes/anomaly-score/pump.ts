/** A seeded toy pump for the scoring-node tests: pressure and current follow flow; faults break the relation. */
import { FeatureProcessor } from '../../../gateway/features/index.ts';
import { trainModelBundle } from '../../../gateway/models/index.ts';
import { seededRandom } from '../../../gateway/models/normalise.ts';

export const TAGS = ['flow', 'pressure', 'current'];
export const FEATURES = ['mean', 'max'] as const;
export const WINDOW = 10;
const GOOD = { status: 'good' } as const;

/** The models' seeded PRNG, so every run sees the same samples. */
export const rng = seededRandom;

export interface PumpState {
  /** Added to flow only: pressure stops following it (a fault). */
  leak?: number;
  /** Added to the operating point of every tag alike (slow drift, relation kept). */
  offset?: number;
}

export function sampleAt(random: () => number, asset: string, i: number, state: PumpState = {}) {
  const noise = () => (random() + random() + random() - 1.5) * 0.4;
  const base = 50 + 5 * Math.sin(i / 40) + (state.offset ?? 0);
  const flow = base + noise() + (state.leak ?? 0);
  return {
    asset,
    ts: 1_764_000_000_000 + i * 1000,
    values: { flow, pressure: 0.5 * base + noise(), current: 0.2 * base + 5 + noise() * 0.2 },
    quality: { flow: GOOD, pressure: GOOD, current: GOOD },
  };
}

/** Trains a PCA bundle on `windows` normal windows of the toy pump, through the same features the node sees. */
export async function trainPumpBundle(dir: string, windows = 300): Promise<{ names: string[]; threshold: number }> {
  const fp = new FeatureProcessor({ tags: TAGS, size: WINDOW, features: [...FEATURES], vector: true });
  const random = rng(7);
  const rows: number[] = [];
  let names: string[] = [];
  for (let i = 0; rows.length < windows * TAGS.length * FEATURES.length; i++) {
    const f = fp.apply(sampleAt(random, 'train', i));
    if (f) {
      rows.push(...f.vector!);
      names = [...f.names!];
    }
  }
  const r = await trainModelBundle({
    family: 'pca',
    X: Float64Array.from(rows),
    nRows: windows,
    names,
    dir,
    name: 'pump',
    calibration: { method: 'quantile', quantile: 1, margin: 1.5 },
    training: { source: 'toy pump (test)' },
  });
  return { names, threshold: r.threshold };
}
