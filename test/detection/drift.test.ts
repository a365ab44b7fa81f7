import { describe, expect, it } from 'vitest';
import { DriftWatcher, type DriftEvent } from '../../gateway/detection/index.ts';

function lcgNormal(seed: number): () => number {
  // mulberry32: a small PRNG good enough that overlapping windows do not show lattice artefacts.
  let a = seed >>> 0;
  const u = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

function feed(w: DriftWatcher, n: number, gen: () => number[]): DriftEvent[] {
  const all: DriftEvent[] = [];
  for (let i = 0; i < n; i++) all.push(...(w.push(i, gen()) ?? []));
  return all;
}

describe('DriftWatcher', () => {
  const g = lcgNormal(3);
  const baseline = [Float64Array.from({ length: 2000 }, g), Float64Array.from({ length: 2000 }, g)];

  for (const statistic of ['psi', 'ks'] as const) {
    it(`does not fire (${statistic}) on the training distribution`, () => {
      const w = new DriftWatcher('pump1', baseline, { channels: ['score', 'flow.mean'], window: 300, statistic });
      const h = lcgNormal(11);
      expect(feed(w, 3000, () => [h(), h()])).toEqual([]);
      expect(w.values()[0]).toBeLessThan(w.limit);
    });

    it(`does fire (${statistic}) on a shifted channel only, then end when it comes back`, () => {
      const w = new DriftWatcher('pump1', baseline, { channels: ['score', 'flow.mean'], window: 300, statistic });
      const h = lcgNormal(12);
      const started = feed(w, 600, () => [h(), h() + 1.5]);
      expect(started).toHaveLength(1);
      expect(started[0]).toMatchObject({ kind: 'drift-start', asset: 'pump1', channel: 'flow.mean', statistic });
      expect(w.isDrifting('flow.mean')).toBe(true);
      expect(w.isDrifting('score')).toBe(false);
      const ended = feed(w, 600, () => [h(), h()]);
      expect(ended.map((e) => e.kind)).toEqual(['drift-end']);
    });
  }

  it('does reject a too-short baseline', () => {
    expect(() => new DriftWatcher('a', [[1, 2, 3]], { channels: ['score'] })).toThrow(/channel "score": baseline needs ≥ 20 values, got 3/);
  });
});
