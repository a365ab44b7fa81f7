import { describe, expect, it } from 'vitest';
import type { IPoint } from 'influx';
import { GOOD, bad } from '../../../gateway/core/sample.ts';
import { FieldTypes, sampleField, samplePoints } from '../../../gateway/outputs/influx/index.ts';

describe('samplePoints', () => {
  const tags = { site: 's', gateway: 'g' };

  it('turns a batch into one samples point with a field per good value and one sample_quality point per bad value', () => {
    const out: IPoint[] = [];
    samplePoints({
      device: 'plc-1', asset: 'pump-1', ts: 1000,
      values: { flow: 2.5, running: false, mode: 'auto', pressure: null, temp: Number.NaN },
      quality: { flow: GOOD, running: GOOD, mode: GOOD, pressure: bad('illegal data address'), temp: GOOD },
    }, tags, new FieldTypes(), out);
    expect(out).toEqual([
      { measurement: 'sample_quality', tags: { ...tags, asset: 'pump-1', device: 'plc-1', tag: 'pressure', quality: 'bad' }, fields: { reason: 'illegal data address' }, timestamp: 1000 },
      { measurement: 'sample_quality', tags: { ...tags, asset: 'pump-1', device: 'plc-1', tag: 'temp', quality: 'bad' }, fields: { reason: 'non-finite value' }, timestamp: 1000 },
      { measurement: 'samples', tags: { ...tags, asset: 'pump-1', device: 'plc-1' }, fields: { flow: 2.5, running: 0, mode: 'auto', _good: 3, _bad: 2 }, timestamp: 1000 },
    ]);
  });

  it('escapes tag names that could meet the reserved fields, one to one', () => {
    const names = ['_good', '_bad', 'x__text', 'time', '_t.x', 'x', 'good', 't.x'];
    const fields = names.map(sampleField);
    expect(fields).toEqual(['_t._good', '_t._bad', '_t.x__text', '_t.time', '_t._t.x', 'x', 'good', 't.x']);
    expect(new Set([...fields, '_good', '_bad', 'x__text']).size).toBe(names.length + 3);
  });

  it('keeps the first type of a field and routes the other type to <field>__text', () => {
    const types = new FieldTypes();
    const seen: string[] = [];
    types.onFallback = (f, stored, got) => seen.push(`${f}:${stored}->${got}`);
    expect([types.route('a', 'number'), types.route('a', 'string'), types.route('a', 'string'), types.route('a', 'number')]).toEqual(['a', 'a__text', 'a__text', 'a']);
    types.learn([['b', 'string'], ['c', 'float']]);
    expect([types.route('b', 'number'), types.route('c', 'number')]).toEqual(['b__text', 'c']);
    expect(types.fallbacks).toBe(3);
    expect(seen).toEqual(['a:number->string', 'b:string->number']);
  });
});
