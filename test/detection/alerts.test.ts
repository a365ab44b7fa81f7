import { describe, expect, it } from 'vitest';
import { AlertTracker, type AlertEvent } from '../../gateway/detection/index.ts';

function run(tracker: AlertTracker, scores: number[]): { events: (AlertEvent | undefined)[]; open: boolean[] } {
  const events: (AlertEvent | undefined)[] = [];
  const open: boolean[] = [];
  scores.forEach((s, i) => {
    events.push(tracker.update(1000 + i, s));
    open.push(tracker.isOpen);
  });
  return { events, open };
}

describe('AlertTracker', () => {
  it('does not open on one noisy window when a minimum duration is set', () => {
    const t = new AlertTracker('pump1', { openAbove: 1, minOpenWindows: 3 });
    const { events } = run(t, [0.2, 5, 0.3, 5, 5, 0.1, 0.2]);
    expect(events.every((e) => e === undefined)).toBe(true);
    expect(t.isOpen).toBe(false);
  });

  it('does open after the minimum duration, dated from the first window above', () => {
    const t = new AlertTracker('pump1', { openAbove: 1, minOpenWindows: 3 });
    const { events, open } = run(t, [0.2, 2, 2, 2, 2]);
    expect(open).toEqual([false, false, false, true, true]);
    expect(events[3]).toMatchObject({ kind: 'open', asset: 'pump1', openedAt: 1001, ts: 1003, threshold: 1, windows: 3 });
    expect(events[3]!.id).toBe('pump1-1001-1');
  });

  it('does stay open between the close and open levels (hysteresis) and close below the lower one', () => {
    const t = new AlertTracker('m', { openAbove: 1, closeBelow: 0.5 });
    const { events, open } = run(t, [2, 0.8, 0.6, 0.9, 0.4, 0.8]);
    expect(open).toEqual([true, true, true, true, false, false]);
    expect(events[4]).toMatchObject({ kind: 'close', openedAt: 1000, ts: 1004 });
  });

  it('does close only after the minimum number of windows below', () => {
    const t = new AlertTracker('m', { openAbove: 1, closeBelow: 0.5, minCloseWindows: 2 });
    const { open } = run(t, [2, 0.1, 0.7, 0.1, 0.1, 0.1]);
    expect(open).toEqual([true, true, true, true, false, false]);
  });

  it('does send an update on a new peak and keep one id through open, update and close', () => {
    const t = new AlertTracker('m', { openAbove: 1 });
    const { events } = run(t, [2, 3, 2.5, 0.2, 4]);
    expect(events.map((e) => e?.kind)).toEqual(['open', 'update', undefined, 'close', 'open']);
    expect(events[1]!.id).toBe(events[0]!.id);
    expect(events[3]!.id).toBe(events[0]!.id);
    expect(events[3]!.peak).toBe(3);
    expect(events[4]!.id).not.toBe(events[0]!.id);
    expect(events[0]!.kind).toBe('open');
  });

  it('does name the top contributing tags, summing each tag’s features', () => {
    const t = new AlertTracker('m', { openAbove: 1, topTags: 2 });
    const e = t.update(1, 10, { names: ['flow.mean', 'flow.std', 'temp.mean', 'vib.rms'], values: [3, 3, 1, 3] });
    expect(e!.topTags.map((x) => x.tag)).toEqual(['flow', 'vib']);
    expect(e!.topTags[0].share).toBeCloseTo(0.6, 9);
  });

  it('does reject a close level above the open level', () => {
    expect(() => new AlertTracker('p2', { openAbove: 1, closeBelow: 2 })).toThrow(/asset "p2": alert policy: closeBelow \(2\) must be ≤ openAbove \(1\)/);
    expect(() => new AlertTracker('p2', { openAbove: 1, minOpenWindows: 0 })).toThrow(/minOpenWindows must be an integer ≥ 1/);
  });
});
