/** Turns the opcua-subscribe editor fields into a validated monitored-item group for OpcUaEndpoint.addGroup(). */
import type { OpcUaTag } from '../../gateway/acquisition/opcua/config.ts';
import { validateDevice } from '../../gateway/config/load.ts';
import type { NodeDef } from '../shared/red.ts';

export interface MonitoredGroup {
  id: string;
  asset: string;
  samplingIntervalMs: number;
  tags: OpcUaTag[];
}

/** Validates with the YAML config's schema: `opcua-subscribe "motor-1": tags[0].nodeId: required field missing`. */
export function opcUaGroup(id: string, def: NodeDef, endpointId: string): MonitoredGroup {
  const name = `opcua-subscribe "${def.name || def.id}"`;
  const asset = String(def.asset ?? '').trim();
  if (!asset) throw new Error(`${name}: asset: required (the asset the tags belong to, e.g. motor-1)`);
  const samplingIntervalMs = Number(def.samplingIntervalMs ?? 1000);
  if (!Number.isInteger(samplingIntervalMs) || samplingIntervalMs < 0) {
    throw new Error(`${name}: sampling interval: expected an integer ≥ 0 ms (got ${String(def.samplingIntervalMs)})`);
  }
  const rows = Array.isArray(def.tags) ? (def.tags as Record<string, unknown>[]) : [];
  if (rows.length === 0) throw new Error(`${name}: tags: add at least one tag`);
  const deadbandValue = Number(def.deadbandValue);
  const deadband = def.deadbandType === 'absolute' || def.deadbandType === 'percent'
    ? { type: def.deadbandType, value: Number.isFinite(deadbandValue) ? deadbandValue : def.deadbandValue }
    : undefined;
  const tags = rows.map((row) => ({
    name: row.name,
    nodeId: row.nodeId,
    ...(deadband ? { deadband } : {}),
    ...(row.unit ? { unit: row.unit } : {}),
  }));
  const device = validateDevice(
    { protocol: 'opcua', id: endpointId, endpoint: 'opc.tcp://validation-only', tags },
    { source: name, at: '' },
  );
  return { id, asset, samplingIntervalMs, tags: device.tags as OpcUaTag[] };
}
