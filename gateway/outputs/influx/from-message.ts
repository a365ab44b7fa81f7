/**
 * Recognises what a pipeline message carries and turns it into tsdb records, so hosts (the influx-write node,
 * the CLI) need no mapping of their own. Shapes, in the order tried:
 *   { values, quality, asset, ts }            → samples (a SampleBatch from modbus-read / opcua-subscribe)
 *   { kind: open|update|close, id, asset, ts } → alerts (detection's AlertEvent)
 *   { asset, ts, features?, score? }           → features and/or scores
 *   { kind: drift-start|drift-end, asset, channel, ts } → drift (detection's DriftEvent)
 *   { metrics, ts }                            → health
 */
import type { SampleBatch } from '../../core/sample.ts';
import type { TsdbRecord } from './records.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function need(p: Record<string, unknown>, field: string, type: 'string' | 'number', what: string): void {
  if (typeof p[field] !== type) throw new Error(`${what}: payload.${field} must be a ${type}, got ${JSON.stringify(p[field]) ?? 'undefined'}`);
}

export function toTsdbRecords(payload: unknown, now = Date.now()): TsdbRecord[] {
  if (Array.isArray(payload)) return payload.flatMap((p) => toTsdbRecords(p, now));
  if (!isObj(payload)) throw new Error(`tsdb: payload must be an object, got ${payload === null ? 'null' : typeof payload}`);
  const p = payload;
  if (isObj(p.values)) {
    need(p, 'asset', 'string', 'samples');
    need(p, 'ts', 'number', `samples of "${String(p.asset)}"`);
    const batch: SampleBatch = { device: typeof p.device === 'string' ? p.device : String(p.asset), asset: p.asset as string, ts: p.ts as number, values: p.values as SampleBatch['values'], quality: isObj(p.quality) ? (p.quality as SampleBatch['quality']) : {} };
    return [{ kind: 'samples', batch }];
  }
  if (p.kind === 'open' || p.kind === 'update' || p.kind === 'close') {
    need(p, 'id', 'string', 'alert');
    need(p, 'asset', 'string', `alert ${String(p.id)}`);
    need(p, 'ts', 'number', `alert ${String(p.id)}`);
    return [{
      kind: 'alerts', asset: p.asset as string, ts: p.ts as number, alertId: p.id as string, state: p.kind,
      ...(typeof p.score === 'number' ? { score: p.score } : {}),
      ...(typeof p.severity === 'string' ? { severity: p.severity } : {}),
      ...(typeof p.message === 'string' ? { message: p.message } : {}),
    }];
  }
  if (p.kind === 'drift-start' || p.kind === 'drift-end') {
    need(p, 'asset', 'string', 'drift');
    need(p, 'channel', 'string', `drift of "${String(p.asset)}"`);
    need(p, 'ts', 'number', `drift of "${String(p.asset)}" ${String(p.channel)}`);
    need(p, 'value', 'number', `drift of "${String(p.asset)}" ${String(p.channel)}`);
    return [{
      kind: 'drift', asset: p.asset as string, channel: p.channel as string, ts: p.ts as number, value: p.value as number,
      state: p.kind === 'drift-start' ? 'start' : 'end', statistic: typeof p.statistic === 'string' ? p.statistic : 'unknown',
      ...(typeof p.limit === 'number' ? { limit: p.limit } : {}),
    }];
  }
  if (isObj(p.metrics)) {
    return [{ kind: 'health', ts: typeof p.ts === 'number' ? p.ts : now, metrics: p.metrics as Record<string, number>, ...(typeof p.component === 'string' ? { component: p.component } : {}) }];
  }
  if (isObj(p.features) || typeof p.score === 'number') {
    need(p, 'asset', 'string', 'features/score');
    need(p, 'ts', 'number', `features/score of "${String(p.asset)}"`);
    const out: TsdbRecord[] = [];
    if (isObj(p.features)) out.push({ kind: 'features', asset: p.asset as string, ts: p.ts as number, features: p.features as Record<string, number> });
    if (typeof p.score === 'number') out.push({ kind: 'scores', asset: p.asset as string, ts: p.ts as number, score: p.score, ...(typeof p.model === 'string' ? { model: p.model } : {}), ...(typeof p.threshold === 'number' ? { threshold: p.threshold } : {}) });
    if (isObj(p.alert)) out.push(...toTsdbRecords(p.alert, now));
    return out;
  }
  if (isObj(p.alert)) return toTsdbRecords(p.alert, now);
  throw new Error(`tsdb: payload has none of values, features, score, metrics or an alert kind (keys: ${Object.keys(p).join(', ') || 'none'})`);
}
