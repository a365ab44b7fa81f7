import { describe, expect, it } from 'vitest';
import { AssetDetector } from '../../gateway/detection/index.ts';

describe('AssetDetector', () => {
  it('does smooth, then open and close an alert with hysteresis, naming the top tag', () => {
    const det = new AssetDetector('pump1', { threshold: 1, smoothing: 3, closeRatio: 0.5 });
    const contrib = { names: ['flow.mean', 'vib.rms'], values: [0.2, 3] };
    const raw = [0.1, 0.1, 5, 5, 0.9, 0.6, 0.1, 0.1, 0.1];
    const out = raw.map((s, i) => det.update(i, s, contrib));
    // EMA α = 0.5: 0.1, 0.1, 2.55, 3.775, 2.34, 1.47, 0.78, 0.44, 0.27
    expect(out.map((d) => d.anomalous)).toEqual([false, false, true, true, true, true, true, false, false]);
    expect(out[2].score).toBeCloseTo(2.55, 9);
    expect(out[2].alert).toMatchObject({ kind: 'open', asset: 'pump1', topTags: [{ tag: 'vib' }, { tag: 'flow' }] });
    expect(out[7].alert?.kind).toBe('close');
  });

  it('does raise drift of the score as its own event, not an alert', () => {
    const baseline = [Float64Array.from({ length: 400 }, (_, i) => (i % 20) / 20)];
    const det = new AssetDetector('m', { threshold: 10, drift: { baseline, options: { channels: ['score'], window: 40, every: 10 } } });
    const events = [];
    for (let i = 0; i < 200; i++) {
      const d = det.update(i, 3 + (i % 7) / 7);
      expect(d.alert).toBeUndefined();
      if (d.drift) events.push(...d.drift);
    }
    expect(events.map((e) => [e.kind, e.channel])).toEqual([['drift-start', 'score']]);
  });
});
