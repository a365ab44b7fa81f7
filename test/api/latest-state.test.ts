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
