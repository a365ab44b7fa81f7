import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import featureWindow from '../../nodes/feature-window/feature-window.ts';
import { waitFor } from '../support/process.ts';
import { helper, initHelper } from './helper.ts';

type Frame = { topic: string; payload: { asset: string; ts: number; features: Record<string, number>; vector?: number[]; names?: string[] } };

describe('feature-window', () => {
  initHelper();
  beforeAll(() => helper.startServer());
  afterEach(() => helper.unload());
  afterAll(() => helper.stopServer());

  const node = (extra: object = {}) => ({ id: 'fw', type: 'feature-window', size: 3, hop: '', features: 'mean,max', tags: 'flow,running', vector: false, wires: [['out']], ...extra });
  const out = { id: 'out', type: 'helper' };
  const sample = (asset: string, i: number, flow: number | null, good = true) => ({
    payload: { asset, ts: 1000 + i, values: { flow, running: i % 2 === 0 }, quality: { flow: good ? { status: 'good' } : { status: 'bad', reason: 'timeout' }, running: { status: 'good' } } },
  });

  it('does emit one frame per tumbling window per asset, with <tag>.<feature> names', async () => {
    await helper.load([featureWindow], [node(), out]);
    const frames: Frame[] = [];
    helper.getNode('out').on('input', (m: Frame) => frames.push(m));
    const fw = helper.getNode('fw');
    for (let i = 0; i < 6; i++) {
      fw.receive(sample('pump-1', i, i));
      fw.receive(sample('pump-2', i, 10 * i));
    }
    await waitFor(() => frames.length >= 4, 10_000, 'four frames');
    expect(frames.map((f) => [f.topic, f.payload.ts])).toEqual([['pump-1', 1002], ['pump-2', 1002], ['pump-1', 1005], ['pump-2', 1005]]);
    expect(frames[0].payload.features).toEqual({ 'flow.mean': 1, 'flow.max': 2, 'running.mean': 2 / 3, 'running.max': 1 });
    expect(frames[3].payload.features['flow.mean']).toBe(40);
  });

  it('does hold the last good value for a bad-quality sample and send the vector when asked', async () => {
    await helper.load([featureWindow], [node({ vector: true, tags: 'flow' }), out]);
    const got = new Promise<Frame>((resolve) => helper.getNode('out').on('input', resolve));
    const fw = helper.getNode('fw');
    fw.receive(sample('p', 0, 4));
    fw.receive(sample('p', 1, null, false));
    fw.receive(sample('p', 2, 7));
    const f = await got;
    expect(f.payload.names).toEqual(['flow.mean', 'flow.max']);
    expect(f.payload.vector).toEqual([5, 7]);
  });

  it('does report a bad payload to done(err) without crashing', async () => {
    await helper.load([featureWindow], [node(), out]);
    const fw = helper.getNode('fw');
    const err = new Promise<unknown>((resolve) => fw.on('call:error', (call: { args: unknown[] }) => resolve(call.args[0])));
    fw.receive({ payload: { asset: 'p', ts: 'soon', values: {} } });
    expect(String(await err)).toMatch(/asset "p": payload\.ts must be a number/);
  });

  it('does refuse a bad configuration with a red status', async () => {
    await helper.load([featureWindow], [node({ size: 4, hop: 9 }), out]);
    const fw = helper.getNode('fw');
    expect((fw.status as unknown as { args: [{ fill?: string }][] }).args.some(([st]) => st.fill === 'red')).toBe(true);
    const logged = helper.log().args.filter(([e]) => e.level === 20 && e.id === 'fw').map(([e]) => String(e.msg));
    expect(logged.join('\n')).toMatch(/hop must be an integer in 1\.\.size \(4\), got 9/);
  });
});
