/**
 * Subscription groups: the tags of one asset (or one Node-RED opcua-subscribe node) as monitored items, and
 * the latest scaled value + quality of each, emitted as one SampleBatch per group per publish.
 */
import type { ClientMonitoredItemGroup, ClientSession, ClientSubscription, DataChangeFilter, DataValue, StatusCode } from 'node-opcua';
import { GOOD, bad, type Quality, type SampleBatch, type TagValue } from '../../core/sample.ts';
import type { OpcUaTag } from './config.ts';
import { nodeOpcua } from './lib.ts';

export interface OpcUaGroup {
  id: string;
  asset: string;
  /** Default sampling interval of the group's tags (a tag's own samplingIntervalMs wins). */
  samplingIntervalMs?: number;
  tags: OpcUaTag[];
}

export interface OperationLimits {
  /** 0 = the server sets no limit. */
  maxMonitoredItemsPerCall: number;
  maxNodesPerRead: number;
}

/** The latest value and quality of each tag of a group, and the monitored items that feed them. */
export class GroupState {
  readonly def: OpcUaGroup;
  readonly values: Record<string, TagValue> = {};
  readonly quality: Record<string, Quality> = {};
  /** Newest source timestamp among the notifications since the last batch. */
  ts = 0;
  /** Set when a value changed since the last batch. */
  dirty = false;
  items: ClientMonitoredItemGroup[] = [];

  constructor(def: OpcUaGroup) {
    this.def = def;
  }

  /** Stores one notification; returns false when its status is not good. */
  apply(tag: OpcUaTag, dv: DataValue): boolean {
    const ts = (dv.sourceTimestamp ?? dv.serverTimestamp)?.getTime() ?? Date.now();
    if (ts > this.ts) this.ts = ts;
    this.dirty = true;
    if (!dv.statusCode.isGood()) {
      this.markBad(tag, dv.statusCode);
      return false;
    }
    const value = scaled(tag, dv);
    const refused = value === undefined ? 'unsupported' : refusal(value);
    if (refused !== undefined) {
      // A value the pipeline cannot use is stored as bad quality with the reason, never passed on as good.
      const { DataType } = nodeOpcua();
      this.values[tag.name] = null;
      this.quality[tag.name] = refused === 'unsupported'
        ? bad(`${tag.nodeId}: unsupported data type ${DataType[dv.value.dataType]}${dv.value.arrayType ? ' array' : ''}`, 'BadTypeMismatch')
        : bad(`${tag.nodeId}: ${refused}`, refused.startsWith('string') ? 'BadEncodingLimitsExceeded' : 'BadOutOfRange');
      return false;
    }
    this.values[tag.name] = value!; // defined: undefined was refused as unsupported above
    this.quality[tag.name] = GOOD;
    return true;
  }

  markBad(tag: OpcUaTag, status: StatusCode): void {
    this.values[tag.name] = null;
    this.quality[tag.name] = bad(`${tag.nodeId}: ${status.name} (${status.description})`, status.name);
    this.dirty = true;
    if (this.ts === 0) this.ts = Date.now();
  }

  /** A batch of every tag seen so far (unchanged tags keep their last value: the deadband says it still holds). */
  takeBatch(device: string): SampleBatch {
    const ts = this.ts;
    this.dirty = false;
    this.ts = 0;
    return { device, asset: this.def.asset, group: this.def.id, ts, values: { ...this.values }, quality: { ...this.quality } };
  }
}

/** Longest string value kept (a tag, not a document: a longer one is bad quality, so a server cannot fill memory). */
export const MAX_STRING_VALUE = 1024;

/** Why a decoded value is not usable, or undefined when it is: non-finite numbers and over-long strings. */
function refusal(v: TagValue): string | undefined {
  if (typeof v === 'number' && !Number.isFinite(v)) return `non-finite value ${v}`;
  if (typeof v === 'string' && v.length > MAX_STRING_VALUE) return `string of ${v.length} characters, longer than ${MAX_STRING_VALUE}`;
  return undefined;
}

function scaled(tag: OpcUaTag, dv: DataValue): TagValue | undefined {
  const v: unknown = dv.value.value;
  const { DataType } = nodeOpcua();
  if (typeof v === 'number') return v * (tag.scale ?? 1) + (tag.offset ?? 0);
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  // node-opcua carries Int64/UInt64 as [high, low] 32-bit words.
  if (Array.isArray(v) && v.length === 2 && (dv.value.dataType === DataType.Int64 || dv.value.dataType === DataType.UInt64)) {
    return (v[0] * 2 ** 32 + v[1]) * (tag.scale ?? 1) + (tag.offset ?? 0);
  }
  return undefined;
}

export async function readOperationLimits(session: ClientSession): Promise<OperationLimits> {
  const { AttributeIds, VariableIds } = nodeOpcua();
  const [items, reads] = await session.read([
    { nodeId: `i=${VariableIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall}`, attributeId: AttributeIds.Value },
    { nodeId: `i=${VariableIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerRead}`, attributeId: AttributeIds.Value },
  ]);
  const limit = (dv: DataValue) => (dv.statusCode.isGood() && typeof dv.value.value === 'number' ? dv.value.value : 0);
  return { maxMonitoredItemsPerCall: limit(items), maxNodesPerRead: limit(reads) };
}

export type ChangeHandler = (group: GroupState, tag: OpcUaTag, dv: DataValue) => void;

/**
 * Creates the monitored items of a group: one CreateMonitoredItems call per (sampling interval, deadband)
 * and per chunk of at most maxMonitoredItemsPerCall items. Items the server refuses (BadNodeIdUnknown …)
 * get bad quality at once.
 */
export async function monitorGroup(
  subscription: ClientSubscription,
  group: GroupState,
  defaultSamplingMs: number,
  limits: OperationLimits,
  onChange: ChangeHandler,
): Promise<void> {
  const buckets = new Map<string, OpcUaTag[]>();
  for (const tag of group.def.tags) {
    const key = JSON.stringify([samplingOf(tag, group, defaultSamplingMs), tag.deadband ?? null]);
    const bucket = buckets.get(key);
    if (bucket) bucket.push(tag);
    else buckets.set(key, [tag]);
  }
  const { AttributeIds, TimestampsToReturn } = nodeOpcua();
  const chunkSize = limits.maxMonitoredItemsPerCall > 0 ? limits.maxMonitoredItemsPerCall : Infinity;
  for (const tags of buckets.values()) {
    for (let i = 0; i < tags.length; i += chunkSize === Infinity ? tags.length : chunkSize) {
      const chunk = tags.slice(i, i + chunkSize);
      const first = chunk[0];
      const items = await subscription.monitorItems(
        chunk.map((t) => ({ nodeId: t.nodeId, attributeId: AttributeIds.Value })),
        { samplingInterval: samplingOf(first, group, defaultSamplingMs), discardOldest: true, queueSize: 1, filter: filterOf(first) },
        TimestampsToReturn.Both,
      );
      items.on('changed', (_item, dv, index) => onChange(group, chunk[index], dv));
      items.monitoredItems.forEach((item, index) => {
        if (!item.statusCode.isGood()) group.markBad(chunk[index], item.statusCode);
      });
      group.items.push(items);
    }
  }
}

function samplingOf(tag: OpcUaTag, group: GroupState, defaultMs: number): number {
  return tag.samplingIntervalMs ?? group.def.samplingIntervalMs ?? defaultMs;
}

function filterOf(tag: OpcUaTag): DataChangeFilter | null {
  if (!tag.deadband) return null;
  const { DataChangeFilter, DataChangeTrigger, DeadbandType } = nodeOpcua();
  return new DataChangeFilter({
    trigger: DataChangeTrigger.StatusValue,
    deadbandType: tag.deadband.type === 'percent' ? DeadbandType.Percent : DeadbandType.Absolute,
    deadbandValue: tag.deadband.value,
  });
}
