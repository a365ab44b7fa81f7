/**
 * Routes a pipeline message to the uplink: alerts go out at once, features/scores/health feed the summaries,
 * raw sample batches only count towards the device-side bytes (raw samples never leave the site).
 *   { kind: open|update|close, id, asset, ts }  → alert
 *   { values, quality, asset, ts }              → bandwidth accounting; values of tags in `forward` are sent
 *   { asset, ts, features?, score?, health?, alert? } → summaries (+ alert)
 */
import type { SampleBatch } from '../core/sample.ts';
import type { CloudUplink } from './cloud-uplink.ts';
import type { UplinkAlert } from './summaries.ts';

export type Routed = 'alert' | 'summary' | 'counted' | 'forwarded';

/** Tags a flow asks to send raw: `tag` (any asset) or `asset/tag`. */
export type ForwardTags = ReadonlySet<string>;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface RouteOptions {
  /** Count a sample batch's bytes for the bandwidth meter (default true; false where the gateway counts them already). */
  countBatches?: boolean;
}

export function routeToUplink(uplink: CloudUplink, payload: unknown, forward?: ForwardTags, opts: RouteOptions = {}): Routed {
  if (!isObj(payload)) throw new Error(`uplink: payload must be an object, got ${payload === null ? 'null' : typeof payload}`);
  const p = payload;
  if (typeof p.asset !== 'string') throw new Error(`uplink: payload.asset must be a string, got ${JSON.stringify(p.asset) ?? 'undefined'}`);
  if (typeof p.ts !== 'number') throw new Error(`uplink: payload.ts of "${p.asset}" must be a number, got ${JSON.stringify(p.ts) ?? 'undefined'}`);
  if (p.kind === 'open' || p.kind === 'update' || p.kind === 'close') {
    if (typeof p.id !== 'string') throw new Error(`uplink: alert of "${p.asset}" needs a string id`);
    uplink.alert(p as unknown as UplinkAlert);
    return 'alert';
  }
  if (isObj(p.values)) {
    if (opts.countBatches !== false) uplink.recordBatch(p as unknown as SampleBatch);
    if (!forward || forward.size === 0) return 'counted';
    const picked: Record<string, unknown> = {};
    for (const [tag, v] of Object.entries(p.values)) if (forward.has(tag) || forward.has(`${p.asset}/${tag}`)) picked[tag] = v;
    if (Object.keys(picked).length === 0) return 'counted';
    uplink.forwardSample(p.asset, p.ts, picked);
    return 'forwarded';
  }
  uplink.observe({
    asset: p.asset,
    ts: p.ts,
    ...(isObj(p.features) ? { features: p.features as Record<string, number> } : {}),
    ...(typeof p.score === 'number' ? { score: p.score } : {}),
    ...(typeof p.health === 'number' ? { health: p.health } : {}),
    ...(isObj(p.alert) ? { alert: p.alert as unknown as UplinkAlert } : {}),
  });
  return isObj(p.alert) ? 'alert' : 'summary';
}
