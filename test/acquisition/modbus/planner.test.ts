import { describe, expect, it } from 'vitest';
import { planReads, type PlanLimits } from '../../../gateway/acquisition/modbus/planner.ts';
import type { ModbusTag } from '../../../gateway/acquisition/modbus/config.ts';

const limits: PlanLimits = { unitId: 1, order: 'ABCD', maxGap: 4, maxRegistersPerRead: 125, maxBitsPerRead: 2000 };
const tag = (name: string, address: number, extra: Partial<ModbusTag> = {}): ModbusTag =>
  ({ name, address, table: 'holding', type: 'uint16', scale: 1, offset: 0, ...extra }) as ModbusTag;
const plan = (tags: ModbusTag[], l: Partial<PlanLimits> = {}) => planReads(tags.map((t) => ({ tag: t, ref: t.name })), { ...limits, ...l });
const shape = (tags: ModbusTag[], l: Partial<PlanLimits> = {}) => plan(tags, l).map((b) => `${b.table} ${b.address}+${b.count}`);

describe('planReads', () => {
  it('merges neighbours within maxGap into one block and knows each tag offset', () => {
    const blocks = plan([tag('a', 10), tag('b', 11, { type: 'float32' }), tag('c', 17)]);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({ table: 'holding', functionCode: 3, address: 10, count: 8, unitId: 1 });
    expect(blocks[0].tags.map((t) => [t.ref, t.offset])).toEqual([['a', 0], ['b', 1], ['c', 7]]);
  });

  it('splits where the unused run is longer than maxGap', () => {
    expect(shape([tag('a', 10), tag('b', 16)])).toEqual(['holding 10+1', 'holding 16+1']);
    expect(shape([tag('a', 10), tag('b', 15)])).toEqual(['holding 10+6']);
  });

  it('never exceeds maxRegistersPerRead, counting the width of multi-register types', () => {
    const tags = Array.from({ length: 100 }, (_, i) => tag(`t${i}`, i * 2, { type: 'float32' }));
    const blocks = plan(tags);
    expect(blocks.map((b) => b.count)).toEqual([124, 76]);
    expect(shape([tag('a', 0), tag('b', 3, { type: 'float64' })], { maxRegistersPerRead: 6 })).toEqual(['holding 0+1', 'holding 3+4']);
  });

  it('keeps tables apart and uses each table function code', () => {
    const blocks = plan([tag('h', 0), tag('i', 0, { table: 'input' }), tag('c', 0, { table: 'coil', type: 'bool' }), tag('d', 1, { table: 'discrete', type: 'bool' })]);
    expect(blocks.map((b) => [b.table, b.functionCode])).toEqual([['holding', 3], ['input', 4], ['coil', 1], ['discrete', 2]]);
  });

  it('coalesces up to maxBitsPerRead bits for coils', () => {
    const tags = Array.from({ length: 2500 }, (_, i) => tag(`c${i}`, i, { table: 'coil', type: 'bool' }));
    expect(shape(tags)).toEqual(['coil 0+2000', 'coil 2000+500']);
  });

  it('lets several bits of one register share it', () => {
    const blocks = plan([tag('run', 5, { type: 'bool', bit: 0 }), tag('trip', 5, { type: 'bool', bit: 7 }), tag('speed', 6)]);
    expect(blocks).toHaveLength(1);
    expect(blocks[0].count).toBe(2);
    expect(blocks[0].tags.map((t) => [t.offset, t.opts.bit])).toEqual([[0, 0], [0, 7], [1, undefined]]);
  });

  it('takes the device order unless the tag has its own, and sizes strings by length', () => {
    const blocks = plan([tag('a', 0, { type: 'float32' }), tag('b', 2, { type: 'float32', order: 'DCBA' }), tag('s', 4, { type: 'string', length: 8 })], { order: 'CDAB' });
    expect(blocks[0].tags.map((t) => t.order)).toEqual(['CDAB', 'DCBA', 'CDAB']);
    expect(blocks[0].count).toBe(12);
  });

  it('names the tag that no single request can read', () => {
    expect(() => plan([tag('big', 0, { type: 'float64' })], { maxRegistersPerRead: 2 })).toThrow('tag "big": float64 needs 4 registers but maxRegistersPerRead is 2');
    expect(() => plan([tag('c', 0, { table: 'coil', type: 'int16' })])).toThrow('tag "c": coil addresses hold single bits, so type must be bool (got int16)');
    expect(() => plan([tag('end', 65535, { type: 'uint32' })])).toThrow('tag "end": uint32 at holding 65535 runs past address 65535');
  });
});
