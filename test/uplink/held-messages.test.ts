import { describe, expect, it } from 'vitest';
import { HeldMessages, type HeldMessage } from '../../gateway/uplink/held-messages.ts';

const msg = (cls: HeldMessage['cls'], n: number): HeldMessage => ({ cls, topic: `t/${cls}`, body: { n }, asset: 'p' });
const drain = (h: HeldMessages) => { const out: string[] = []; for (let m = h.shift(); m; m = h.shift()) out.push(`${m.cls[0]}${m.body.n}`); return out; };

describe('HeldMessages (the uplink memory buffer while the disk is full)', () => {
  it('keeps everything in order below the cap', () => {
    const h = new HeldMessages(10);
    for (let i = 0; i < 3; i++) { h.add(msg('summary', i)); h.add(msg('alert', i)); }
    expect(h.stats()).toMatchObject({ held: 6, alerts: 3, refused: 0, dropped: { alert: 0, summary: 0, sample: 0 } });
    expect(drain(h)).toEqual(['s0', 'a0', 's1', 'a1', 's2', 'a2']);
  });

  it('at the cap drops the oldest sample, then the oldest summary, never an alert, and counts each', () => {
    const h = new HeldMessages(4);
    h.add(msg('summary', 0));
    h.add(msg('sample', 0));
    h.add(msg('alert', 0));
    h.add(msg('summary', 1));
    expect(h.add(msg('alert', 1))).toBe('held'); // evicts sample 0
    expect(h.add(msg('alert', 2))).toBe('held'); // evicts summary 0 (the oldest)
    expect(h.add(msg('summary', 2))).toBe('held'); // evicts summary 1
    expect(h.add(msg('sample', 1))).toBe('dropped'); // a sample never evicts a summary or an alert
    expect(h.stats().dropped).toEqual({ alert: 0, summary: 2, sample: 2 });
    expect(drain(h)).toEqual(['a0', 'a1', 'a2', 's2']);
  });

  it('refuses an alert (the caller is told) when it holds nothing but alerts, and drops summaries then', () => {
    const h = new HeldMessages(3);
    for (let i = 0; i < 3; i++) expect(h.add(msg('alert', i))).toBe('held');
    expect(h.add(msg('alert', 3))).toBe('refused');
    expect(h.add(msg('summary', 0))).toBe('dropped');
    expect(h.stats()).toMatchObject({ held: 3, alerts: 3, refused: 1, dropped: { alert: 0, summary: 1, sample: 0 } });
    expect(drain(h)).toEqual(['a0', 'a1', 'a2']);
  });

  it('stays at its cap under a flood of summaries', () => {
    const h = new HeldMessages(100);
    h.add(msg('alert', 0));
    for (let i = 0; i < 100_000; i++) h.add(msg('summary', i));
    expect(h.size).toBe(100);
    expect(h.stats().dropped.summary).toBe(100_000 - 99);
    expect(h.peek()?.cls).toBe('alert');
  });
});
