/** Turns the modbus-read editor fields into a validated poll group for ModbusDevice.addPollGroup(). */
import type { ModbusTag } from '../../gateway/acquisition/modbus/config.ts';
import { validateDevice } from '../../gateway/config/load.ts';
import type { NodeDef } from '../shared/red.ts';

export interface PollGroup {
  id: string;
  asset: string;
  intervalMs: number;
  tags: ModbusTag[];
}

const NUMERIC = new Set(['address', 'bit', 'length', 'scale', 'offset']);

/** One editor row → a tag object: numbers from their text fields, empty optional fields dropped. */
function tagOf(row: Record<string, unknown>): Record<string, unknown> {
  const tag: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (value === '' || value === undefined || value === null) continue;
    tag[key] = NUMERIC.has(key) && typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : value;
  }
  return tag;
}

/**
 * Validates the tags with the same schema as the YAML config, so an error reads like one:
 * `modbus-read "pump-1 vibration": tags[2].type: expected one of bool, int16, …`.
 */
export function modbusReadGroup(id: string, def: NodeDef, deviceId: string): PollGroup {
  const name = `modbus-read "${def.name || def.id}"`;
  const asset = String(def.asset ?? '').trim();
  if (!asset) throw new Error(`${name}: asset: required (the asset the tags belong to, e.g. pump-1)`);
  const intervalMs = Number(def.intervalMs ?? 1000);
  if (!Number.isInteger(intervalMs) || intervalMs < 10) throw new Error(`${name}: interval: expected an integer ≥ 10 ms (got ${String(def.intervalMs)})`);
  const rows = Array.isArray(def.tags) ? (def.tags as Record<string, unknown>[]) : [];
  if (rows.length === 0) throw new Error(`${name}: tags: add at least one tag`);
  const device = validateDevice(
    { protocol: 'modbus-tcp', id: deviceId, host: 'validation-only', tags: rows.map(tagOf) },
    { source: name, at: '' },
  );
  return { id, asset, intervalMs, tags: device.tags as ModbusTag[] };
}
