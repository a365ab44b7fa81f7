/**
 * Read planning: coalesce the tags a device polls at one interval into as few Modbus requests as the protocol
 * allows. Tags are grouped by table (one function code each); neighbours are merged while the block stays within
 * maxRegistersPerRead (≤ 125) or maxBitsPerRead (≤ 2000) and the unused run between them is at most maxGap.
 */
import { registerWidth, type CodecOptions, type ModbusType, type WordOrder } from './codec.ts';
import type { ModbusTag } from './config.ts';

export type ModbusTable = ModbusTag['table'];

/** Function code that reads each table. */
export const READ_FUNCTION: Record<ModbusTable, 1 | 2 | 3 | 4> = { coil: 1, discrete: 2, holding: 3, input: 4 };

export interface PlanLimits {
  unitId: number;
  /** The device's default order for tags without their own. */
  order: WordOrder;
  maxGap: number;
  maxRegistersPerRead: number;
  maxBitsPerRead: number;
}

/** A tag to plan, with an opaque reference the caller uses to put the value where it belongs. */
export interface PlanItem<R = unknown> {
  tag: ModbusTag;
  ref: R;
}

/** One tag inside a block: where its value starts in the block's data and how to decode it. */
export interface BlockTag<R = unknown> {
  ref: R;
  name: string;
  /** Index into the block's registers (or bits). */
  offset: number;
  type: ModbusType;
  order: WordOrder;
  opts: CodecOptions;
  scale: number;
  valueOffset: number;
}

/** One read request and the tags it serves. */
export interface RegisterBlock<R = unknown> {
  unitId: number;
  table: ModbusTable;
  functionCode: 1 | 2 | 3 | 4;
  address: number;
  /** Registers (holding/input) or bits (coil/discrete). */
  count: number;
  tags: BlockTag<R>[];
}

const isBitTable = (t: ModbusTable): boolean => t === 'coil' || t === 'discrete';

/** "holding 100+10 from unit 1": how errors name a block. */
export function describeBlock(b: Pick<RegisterBlock, 'table' | 'address' | 'count' | 'unitId'>): string {
  return `${b.table} ${b.address}+${b.count} from unit ${b.unitId}`;
}

interface Span<R> {
  start: number;
  end: number;
  item: PlanItem<R>;
}

/** Plans the reads for the given tags. Throws (at configuration time) for a tag no single request can read. */
export function planReads<R>(items: readonly PlanItem<R>[], limits: PlanLimits): RegisterBlock<R>[] {
  const byTable = new Map<ModbusTable, Span<R>[]>();
  for (const item of items) {
    const table = item.tag.table ?? 'holding';
    const spans = byTable.get(table) ?? [];
    byTable.set(table, spans);
    spans.push(spanOf(item, table, limits));
  }
  const blocks: RegisterBlock<R>[] = [];
  for (const [table, spans] of byTable) {
    const max = isBitTable(table) ? limits.maxBitsPerRead : limits.maxRegistersPerRead;
    spans.sort((a, b) => a.start - b.start || a.end - b.end);
    let current: { start: number; end: number; spans: Span<R>[] } | undefined;
    for (const s of spans) {
      if (current && s.start - current.end <= limits.maxGap && Math.max(current.end, s.end) - current.start <= max) {
        current.end = Math.max(current.end, s.end);
        current.spans.push(s);
        continue;
      }
      if (current) blocks.push(toBlock(table, current, limits));
      current = { start: s.start, end: s.end, spans: [s] };
    }
    if (current) blocks.push(toBlock(table, current, limits));
  }
  return blocks;
}

function spanOf<R>(item: PlanItem<R>, table: ModbusTable, limits: PlanLimits): Span<R> {
  const { tag } = item;
  const type = tag.type ?? 'uint16';
  if (isBitTable(table) && type !== 'bool') {
    throw new RangeError(`tag "${tag.name}": ${table} addresses hold single bits, so type must be bool (got ${type})`);
  }
  const width = isBitTable(table) ? 1 : registerWidth(type, { length: tag.length });
  const max = isBitTable(table) ? limits.maxBitsPerRead : limits.maxRegistersPerRead;
  if (width > max) {
    throw new RangeError(`tag "${tag.name}": ${type} needs ${width} registers but maxRegistersPerRead is ${max}`);
  }
  if (tag.address + width > 65536) {
    throw new RangeError(`tag "${tag.name}": ${type} at ${table} ${tag.address} runs past address 65535`);
  }
  return { start: tag.address, end: tag.address + width, item };
}

function toBlock<R>(table: ModbusTable, run: { start: number; end: number; spans: Span<R>[] }, limits: PlanLimits): RegisterBlock<R> {
  return {
    unitId: limits.unitId,
    table,
    functionCode: READ_FUNCTION[table],
    address: run.start,
    count: run.end - run.start,
    tags: run.spans.map(({ item, start }) => ({
      ref: item.ref,
      name: item.tag.name,
      offset: start - run.start,
      type: item.tag.type ?? 'uint16',
      order: item.tag.order ?? limits.order,
      opts: isBitTable(table) ? {} : { bit: item.tag.bit, length: item.tag.length },
      scale: item.tag.scale ?? 1,
      valueOffset: item.tag.offset ?? 0,
    })),
  };
}
