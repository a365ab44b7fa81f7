import { describe, expect, it } from 'vitest';
import type { IPoint } from 'influx';
import { HeldBatches } from '../../../gateway/outputs/influx/held-batches.ts';
import type { TsdbKind } from '../../../gateway/outputs/influx/records.ts';

/** n points of `fields` values each. */
const pts = (n: number, fields = 1): IPoint[] => Array.from({ length: n }, (_, i) => ({ measurement: 'm', fields: Object.fromEntries(Array.from({ length: fields }, (_, f) => [`f${f}`, i])) }));
const kinds = (h: HeldBatches) => { const out: TsdbKind[] = []; for (let b = h.shift(); b; b = h.shift()) out.push(b.kind); return out; };

describe('HeldBatches (the InfluxDB memory buffer while the disk is full)', () => {
  it('is bounded in values: samples go first, then features…, alerts only for alerts; drops counted in points', () => {
    const h = new HeldBatches(100);
    expect(h.add('samples', pts(10, 4))).toBe(true); // 40 values
    expect(h.add('alerts', pts(20, 2))).toBe(true); // 40
    expect(h.add('scores', pts(10, 2))).toBe(true); // 20 → 100
    expect(h.add('features', pts(5, 4))).toBe(true); // evicts the samples (rank 0)
    expect(h.stats()).toMatchObject({ batches: 3, values: 80, points: 35 });
    expect(h.add('samples', pts(10, 4))).toBe(false); // a sample batch may evict only samples: none left
    expect(h.add('alerts', pts(30, 2))).toBe(true); // 60 values: evicts features (20), then scores (20)
    expect(h.stats().dropped).toEqual({ samples: 20, features: 5, scores: 10, health: 0, drift: 0, alerts: 0 });
    expect(h.values).toBe(100);
    expect(kinds(h)).toEqual(['alerts', 'alerts']);
    expect(h.stats()).toMatchObject({ batches: 0, values: 0, points: 0 });
  });

  it('drops the oldest alerts only when nothing but alerts is left, and stays within the bound', () => {
    const h = new HeldBatches(50);
    for (let i = 0; i < 1000; i++) h.add('alerts', pts(1, 5));
    expect(h.values).toBe(50);
    expect(h.stats().dropped.alerts).toBe(990);
  });

  it('puts a batch that failed to write back at the head', () => {
    const h = new HeldBatches(100);
    h.add('scores', pts(1));
    h.add('alerts', pts(1), true);
    expect(kinds(h)).toEqual(['alerts', 'scores']);
  });
});
