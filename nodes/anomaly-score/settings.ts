/** The anomaly-score node's editor fields, checked once with messages that name the node and the field. */
import type { DriftStatistic } from '../../gateway/detection/index.ts';
import { MODEL_FAMILIES, type ModelFamily } from '../../gateway/models/index.ts';
import type { NodeDef } from '../shared/red.ts';
import type { DriftSettings } from './drift-reference.ts';
import type { LearnSettings } from './learning.ts';

export interface ScoreSettings {
  /** The telltale-model config node, if any. */
  modelId?: string;
  /** Overrides the manifest's (or the learned) threshold. */
  threshold?: number;
  smoothing: number;
  closeRatio: number;
  minOpenWindows: number;
  minCloseWindows: number;
  topK: number;
  drift: DriftSettings;
  /** Set when the node learns a baseline per asset (no model, or "learn" ticked). */
  learn?: LearnSettings;
}

const blank = (v: unknown) => v === undefined || v === null || v === '';

export function readSettings(def: NodeDef, defaultDir: string, where: string): ScoreSettings {
  const num = (field: string, fallback: number | undefined, ok: (n: number) => boolean, expected: string): number | undefined => {
    const v = def[field];
    if (blank(v)) return fallback;
    const n = Number(v);
    if (!ok(n)) throw new Error(`${where}: ${field} must be ${expected}, got ${JSON.stringify(v)}`);
    return n;
  };
  const int = (field: string, fallback: number, min: number) => num(field, fallback, (n) => Number.isInteger(n) && n >= min, `an integer ≥ ${min}`)!;
  const modelId = blank(def.model) ? undefined : String(def.model);
  const learnOn = def.learn === true || def.learn === 'true' || modelId === undefined;
  const statistic = blank(def.driftStatistic) ? 'psi' : String(def.driftStatistic);
  if (statistic !== 'psi' && statistic !== 'ks') throw new Error(`${where}: driftStatistic must be psi or ks, got "${statistic}"`);
  const s: ScoreSettings = {
    modelId: learnOn ? undefined : modelId,
    threshold: num('threshold', undefined, (n) => Number.isFinite(n) && n > 0, 'a number > 0'),
    smoothing: num('smoothing', 3, (n) => Number.isFinite(n) && n >= 0, 'a number ≥ 0 (EMA span in windows)')!,
    closeRatio: num('closeRatio', 0.7, (n) => n > 0 && n <= 1, 'in (0, 1]')!,
    minOpenWindows: int('minOpenWindows', 1, 1),
    minCloseWindows: int('minCloseWindows', 1, 1),
    topK: int('topK', 3, 1),
    drift: { reference: int('driftReference', 200, 0), window: int('driftWindow', 100, 10), statistic: statistic as DriftStatistic },
  };
  if (learnOn) {
    const family = blank(def.family) ? 'pca' : String(def.family);
    if (!(MODEL_FAMILIES as readonly string[]).includes(family)) throw new Error(`${where}: family must be one of ${MODEL_FAMILIES.join(', ')}, got "${family}"`);
    const windows = num('learnWindows', undefined, (n) => Number.isInteger(n) && n >= 10, 'an integer ≥ 10');
    const minutes = num('learnMinutes', undefined, (n) => Number.isFinite(n) && n > 0, 'a number of minutes > 0');
    s.learn = {
      family: family as ModelFamily,
      windows: windows ?? (minutes === undefined ? 600 : undefined),
      spanMs: minutes === undefined ? undefined : minutes * 60_000,
      quantile: num('learnQuantile', 1, (n) => n > 0 && n <= 1, 'in (0, 1]')!,
      margin: num('learnMargin', 2, (n) => Number.isFinite(n) && n >= 1, 'a number ≥ 1')!,
      int8: def.int8 === true || def.int8 === 'true',
      dir: blank(def.dir) ? defaultDir : String(def.dir),
    };
  }
  return s;
}
