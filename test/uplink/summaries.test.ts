import { describe, expect, it } from 'vitest';
import { SummaryAggregator, mergeSummaries } from '../../gateway/uplink/summaries.ts';
import { BandwidthMeter, estimateBatchBytes } from '../../gateway/uplink/bandwidth.ts';
import { GOOD } from '../../gateway/core/sample.ts';

describe('SummaryAggregator', () => {
  it('summarises features, scores, health and alert counts per asset for one period', () => {
    const agg = new SummaryAggregator(1000);
    for (let i = 1; i <= 4; i++) agg.add({ asset: 'p1', ts: 1000 + i, features: { rms: i }, score: i / 10, health: 1 });
    agg.add({ asset: 'p1', ts: 1100, alert: { kind: 'open', id: 'a', asset: 'p1', ts: 1100 } });
    agg.add({ asset: 'p2', ts: 1100, score: 0.5 });
    const [p1, p2] = agg.push(2000);
    expect(p1).toMatchObject({ asset: 'p1', from: 1000, to: 2000, periods: 1, alerts: { opened: 1, updated: 0, closed: 0 } });
    expect(p1.features.rms).toEqual({ count: 4, mean: 2.5, min: 1, max: 4 });
    expect(p1.score!.mean).toBeCloseTo(0.25, 12);
    expect(p2.score).toEqual({ count: 1, mean: 0.5, min: 0.5, max: 0.5 });
    expect(agg.push(3000)).toEqual([]);
  });

  it('merges two summaries into the same statistics as one summary over both periods', () => {
    const a = new SummaryAggregator(0);
    const whole = new SummaryAggregator(0);
    const values = [3, 1, 4, 1, 5, 9, 2, 6];
    values.slice(0, 3).forEach((v) => a.add({ asset: 'p', ts: 0, features: { x: v } }));
    const first = a.push(10)[0];
    values.slice(3).forEach((v) => a.add({ asset: 'p', ts: 0, features: { x: v } }));
    const second = a.push(20)[0];
    values.forEach((v) => whole.add({ asset: 'p', ts: 0, features: { x: v } }));
    const merged = mergeSummaries(first, second);
    const expected = whole.push(20)[0].features.x;
    expect(merged.features.x.count).toBe(expected.count);
    // Summaries carry 7 significant digits.
    expect(merged.features.x.mean).toBeCloseTo(expected.mean, 6);
    expect([merged.features.x.min, merged.features.x.max]).toEqual([expected.min, expected.max]);
    expect([merged.from, merged.to, merged.periods]).toEqual([0, 20, 2]);
  });

  it('refuses to merge summaries of two assets', () => {
    const agg = new SummaryAggregator(0);
    agg.add({ asset: 'p1', ts: 0, score: 1 });
    agg.add({ asset: 'p2', ts: 0, score: 1 });
    const [x, y] = agg.push(1);
    expect(() => mergeSummaries(x, y)).toThrow(/different assets: p1 and p2/);
  });
});

describe('BandwidthMeter', () => {
  it('counts device and uplink bytes per hour and gives the reduction factor', () => {
    let now = 3_600_000 * 10 + 5;
    const m = new BandwidthMeter(() => now);
    m.addBatch({ device: 'd', asset: 'a', ts: 0, values: { x: 1.5, on: true, s: 'abcd', gone: null }, quality: { x: GOOD, on: GOOD, s: GOOD, gone: GOOD } });
    m.addUplinkBytes(5);
    now += 3_600_000;
    m.addDeviceBytes(1000);
    const r = m.report();
    expect(r.hours.map((h) => [h.deviceBytes, h.uplinkBytes])).toEqual([[10, 5], [1000, 0]]);
    expect(r.reductionFactor).toBe(1010 / 5);
  });

  it('uses the wire byte count an input gives instead of the estimate', () => {
    expect(estimateBatchBytes({ device: 'd', asset: 'a', ts: 0, values: { x: 1 }, quality: { x: GOOD }, wireBytes: 263 })).toBe(263);
  });
});
