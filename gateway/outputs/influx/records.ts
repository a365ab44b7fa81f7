/**
 * What the tsdb output stores, and how each record becomes InfluxDB points: one measurement per kind (raw samples:
 * `samples` and `sample_quality`, see sample-points.ts), tags for site, gateway and asset, the record's own
 * timestamp in ms.
 */
import type { IPoint } from 'influx';
import type { SampleBatch } from '../../core/sample.ts';
import { FieldTypes, samplePoints } from './sample-points.ts';

export const KINDS = ['samples', 'features', 'scores', 'health', 'drift', 'alerts'] as const;
export type TsdbKind = (typeof KINDS)[number];

/** Queue priority: a full disk queue drops the lowest rank first, and never drops alerts. Drift events are rare, ranked with health. */
export const KIND_RANK: Record<TsdbKind, number> = { samples: 0, features: 1, scores: 2, health: 3, drift: 3, alerts: 4 };

export interface FeatureRecord { kind: 'features'; asset: string; ts: number; features: Record<string, number>; tag?: string }
export interface ScoreRecord { kind: 'scores'; asset: string; ts: number; score: number; model?: string; threshold?: number }
export interface AlertRecord {
  kind: 'alerts';
  asset: string;
  ts: number;
  alertId: string;
  state: 'open' | 'update' | 'close';
  severity?: string;
  score?: number;
  message?: string;
}
export interface HealthRecord { kind: 'health'; ts: number; metrics: Record<string, number>; component?: string }
export interface SamplesRecord { kind: 'samples'; batch: SampleBatch }
/** A drift-start/drift-end event of the anomaly-score node (detection's DriftEvent): one channel's statistic against its limit. */
export interface DriftRecord { kind: 'drift'; asset: string; ts: number; channel: string; state: 'start' | 'end'; statistic: string; value: number; limit?: number }

export type TsdbRecord = SamplesRecord | FeatureRecord | ScoreRecord | AlertRecord | HealthRecord | DriftRecord;

export interface PointTags { site: string; gateway: string }

/** Finite numbers only: InfluxDB rejects NaN/Infinity and would fail the whole batch. */
function finite(fields: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(fields)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

/**
 * Appends the record's points to `out`. `types` remembers the type of each `samples` field across calls (the
 * writer keeps one); without it, each call starts afresh.
 */
export function toPoints(r: TsdbRecord, t: PointTags, out: IPoint[] = [], types?: FieldTypes): IPoint[] {
  switch (r.kind) {
    case 'samples':
      samplePoints(r.batch, t, types ?? new FieldTypes(), out);
      break;
    case 'features': {
      const fields = finite(r.features);
      if (Object.keys(fields).length > 0) out.push({ measurement: 'features', tags: { ...t, asset: r.asset, ...(r.tag ? { tag: r.tag } : {}) }, fields, timestamp: r.ts });
      break;
    }
    case 'scores': {
      const fields = finite({ score: r.score, ...(r.threshold !== undefined ? { threshold: r.threshold } : {}) });
      if ('score' in fields) out.push({ measurement: 'scores', tags: { ...t, asset: r.asset, model: r.model ?? 'default' }, fields, timestamp: r.ts });
      break;
    }
    case 'alerts':
      out.push({
        measurement: 'alerts',
        tags: { ...t, asset: r.asset, state: r.state, severity: r.severity ?? 'warning' },
        fields: { alert_id: r.alertId, message: r.message ?? '', ...(r.score !== undefined && Number.isFinite(r.score) ? { score: r.score } : {}) },
        timestamp: r.ts,
      });
      break;
    case 'health': {
      const fields = finite(r.metrics);
      if (Object.keys(fields).length > 0) out.push({ measurement: 'health', tags: { ...t, component: r.component ?? 'gateway' }, fields, timestamp: r.ts });
      break;
    }
    case 'drift': {
      const fields = { ...finite({ value: r.value, ...(r.limit !== undefined ? { limit: r.limit } : {}) }), statistic: r.statistic, state: r.state };
      out.push({ measurement: 'drift', tags: { ...t, asset: r.asset, channel: r.channel }, fields, timestamp: r.ts });
      break;
    }
  }
  return out;
}
