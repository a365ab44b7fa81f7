import { describe, expect, it } from 'vitest';
import { LatestState } from '../../gateway/api/latest-state.ts';

describe('LatestState', () => {
  it('keeps every open alert and forgets the oldest closed ones past the bound', () => {
    const s = new LatestState({ keepClosed: 2 });
    s.alert({ id: 'open-1', asset: 'p', ts: 1, kind: 'open' });
    for (let i = 0; i < 4; i++) {
      s.alert({ id: `c${i}`, asset: 'p', ts: 10 + i, kind: 'open' });
      s.alert({ id: `c${i}`, asset: 'p', ts: 20 + i, kind: 'close' });
    }
    expect(s.alerts().map((a) => a.id)).toEqual(['c3', 'c2', 'open-1']);
  });

  it('merges features of successive updates and keeps the last state', () => {
    const s = new LatestState();
    s.update({ asset: 'p', ts: 1, features: { a: 1 }, state: 'learning' });
    s.update({ asset: 'p', ts: 2, features: { b: 2 } });
    expect(s.asset('p')).toEqual({ asset: 'p', ts: 2, features: { a: 1, b: 2 }, state: 'learning' });
  });
});

describe('LatestState open-alert bound', () => {
  it('keeps at most maxOpen open alerts, forgets the one changed longest ago and counts it', () => {
    const s = new LatestState({ maxOpen: 3, keepClosed: 1 });
    for (let i = 0; i < 3; i++) s.alert({ id: `o${i}`, asset: 'p', ts: i, kind: 'open' });
    // An update makes o0 the most recently changed: o1 is now the oldest.
    s.alert({ id: 'o0', asset: 'p', ts: 10, kind: 'update', score: 2 });
    s.alert({ id: 'o3', asset: 'p', ts: 11, kind: 'open' });
    s.alert({ id: 'o4', asset: 'p', ts: 12, kind: 'open' });
    expect(s.alerts().filter((a) => a.open).map((a) => a.id)).toEqual(['o4', 'o3', 'o0']);
    expect(s.evictedOpenAlerts).toBe(2);
    // Closing frees a place: the next open alert evicts nothing; closed ones follow keepClosed.
    s.alert({ id: 'o3', asset: 'p', ts: 13, kind: 'close' });
    s.alert({ id: 'o5', asset: 'p', ts: 14, kind: 'open' });
    expect(s.evictedOpenAlerts).toBe(2);
    s.alert({ id: 'o4', asset: 'p', ts: 15, kind: 'close' });
    expect(s.alerts().map((a) => `${a.id}:${a.open ? 'open' : 'closed'}`)).toEqual(['o4:closed', 'o5:open', 'o0:open']);
  });

  it('stays bounded under 100 000 alerts that never close', () => {
    const s = new LatestState({ maxOpen: 500 });
    for (let i = 0; i < 100_000; i++) s.alert({ id: `a${i}`, asset: 'p', ts: i, kind: 'open' });
    expect(s.alerts()).toHaveLength(500);
    expect(s.alerts()[499]!.id).toBe('a99500');
    expect(s.evictedOpenAlerts).toBe(99_500);
  });
});

describe('LatestState evictions in /metrics', () => {
  it('counts the open alerts forgotten at the cap as telltale_latest_open_alerts_evicted_total', async () => {
    const { GatewayMetrics } = await import('../../gateway/api/metrics.ts');
    const { DeviceRegistry } = await import('../../gateway/runtime/registry.ts');
    const latest = new LatestState({ maxOpen: 10 });
    const m = new GatewayMetrics({ registry: new DeviceRegistry(), latest });
    expect(await m.text()).toMatch(/^telltale_latest_open_alerts_evicted_total 0$/m);
    for (let i = 0; i < 25; i++) latest.alert({ id: `a${i}`, asset: 'p', ts: i, kind: 'open' });
    const text = await m.text();
    expect(text).toMatch(/^telltale_latest_open_alerts_evicted_total 15$/m);
    expect(text).toMatch(/^telltale_latest_open_alerts_cap_reached 1$/m);
  });

  it('tells alert listeners every change as it is recorded; a throwing listener changes nothing', () => {
    const l = new LatestState();
    const seen: string[] = [];
    l.onAlert(() => { throw new Error('listener bug'); });
    const off = l.onAlert((a) => seen.push(`${a.id}/${a.kind}`));
    l.alert({ id: 'a1', asset: 'p', ts: 1, kind: 'open', score: 3 });
    l.alert({ id: 'a1', asset: 'p', ts: 2, kind: 'close' });
    off();
    l.alert({ id: 'a2', asset: 'p', ts: 3, kind: 'open' });
    expect(seen).toEqual(['a1/open', 'a1/close']);
    expect(l.alerts().map((a) => `${a.id}:${a.open}`)).toEqual(['a2:true', 'a1:false']);
  });
});
