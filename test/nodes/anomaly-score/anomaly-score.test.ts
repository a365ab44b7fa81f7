import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import anomalyScore from '../../../nodes/anomaly-score/anomaly-score.ts';
import featureWindow from '../../../nodes/feature-window/feature-window.ts';
import model from '../../../nodes/model/model.ts';
import { waitFor } from '../../support/process.ts';
import { errorsOf, helper, initHelper } from '../helper.ts';
import { FEATURES, rng, sampleAt, TAGS, trainPumpBundle, WINDOW, type PumpState } from './pump.ts';

type Score = { asset: string; ts: number; score: number; threshold: number; anomalous: boolean; contributions: { tag: string; feature: string; share: number }[] };
type Alert = { kind: 'open' | 'update' | 'close'; id: string; asset: string; topTags: { tag: string; share: number }[] };
type Drift = { kind: 'drift-start' | 'drift-end'; asset: string; channel: string; statistic: string };

const NODES = [featureWindow, model, anomalyScore];
const fw = { id: 'fw', type: 'feature-window', size: WINDOW, hop: '', features: FEATURES.join(','), tags: TAGS.join(','), vector: false, wires: [['as']] };
const outs = [{ id: 'scores', type: 'helper' }, { id: 'alerts', type: 'helper' }, { id: 'drift', type: 'helper' }];
const scoreNode = (extra: object) => ({ id: 'as', type: 'anomaly-score', smoothing: 0, closeRatio: 0.7, minOpenWindows: 2, minCloseWindows: 2, topK: 2, driftReference: 0, driftWindow: 50, wires: [['scores'], ['alerts'], ['drift']], ...extra });

function collect() {
  const got = { scores: [] as Score[], alerts: [] as Alert[], drift: [] as Drift[] };
  helper.getNode('scores').on('input', (m: { payload: Score }) => got.scores.push(m.payload));
  helper.getNode('alerts').on('input', (m: { payload: Alert }) => got.alerts.push(m.payload));
  helper.getNode('drift').on('input', (m: { payload: Drift }) => got.drift.push(m.payload));
  return got;
}

/** Feeds `windows` windows of samples for one asset, starting at sample index `from`; returns the next index. */
function feed(asset: string, from: number, windows: number, state: PumpState | ((i: number) => PumpState) = {}, seed = 11): number {
  const node = helper.getNode('fw');
  const random = rng(seed + from);
  const end = from + windows * WINDOW;
  for (let i = from; i < end; i++) node.receive({ payload: sampleAt(random, asset, i, typeof state === 'function' ? state(i) : state) });
  return end;
}

/** The helper spies on status() of every node at once: keep the calls made by node `id`. */
const statusTexts = (id: string): string[] =>
  (helper.getNode(id).status as unknown as { getCalls(): { thisValue: { id: string }; args: [{ text?: string; fill?: string }] }[] })
    .getCalls().filter((c) => c.thisValue.id === id).map(({ args: [s] }) => `${s.fill}:${s.text}`);

describe('anomaly-score', () => {
  initHelper();
  const tmp = mkdtempSync(join(tmpdir(), 'telltale-anomaly-score-'));
  const bundle = join(tmp, 'pump');
  let trained: { names: string[]; threshold: number };
  beforeAll(async () => {
    trained = await trainPumpBundle(bundle);
    await helper.startServer();
  });
  afterEach(() => helper.unload());
  afterAll(async () => {
    await helper.stopServer();
    rmSync(tmp, { recursive: true, force: true });
  });

  const withModel = (extra: object = {}, path = bundle) => [
    { id: 'm', type: 'telltale-model', path, maxBatch: 64, maxWaitMs: 1 },
    fw,
    scoreNode({ model: 'm', ...extra }),
    ...outs,
  ];

  it('does score windows with a shared model, open an alert on a shifted input and close it', async () => {
    await helper.load(NODES, withModel());
    const got = collect();
    await waitFor(() => statusTexts('as').some((s) => s.startsWith('green:ready')), 20_000, 'model loaded');
    let i = feed('pump-1', 0, 20);
    await waitFor(() => got.scores.length >= 20, 20_000, '20 scores');
    expect(got.scores.every((s) => Number.isFinite(s.score) && s.asset === 'pump-1' && !s.anomalous)).toBe(true);
    expect(got.scores[0].threshold).toBeCloseTo(trained.threshold, 6);
    expect(got.alerts).toEqual([]);

    i = feed('pump-1', i, 8, { leak: 6 });
    await waitFor(() => got.alerts.some((a) => a.kind === 'open'), 20_000, 'an alert to open');
    const open = got.alerts.find((a) => a.kind === 'open')!;
    expect(open.asset).toBe('pump-1');
    expect(open.topTags[0].tag).toBe('flow');
    const anomalous = got.scores.filter((s) => s.anomalous);
    expect(anomalous.length).toBeGreaterThan(0);
    expect(anomalous[0].score).toBeGreaterThan(anomalous[0].threshold);
    expect(anomalous[0].contributions).toHaveLength(2);
    expect(anomalous[0].contributions[0]).toMatchObject({ tag: 'flow' });
    expect(['mean', 'std']).toContain(anomalous[0].contributions[0].feature);
    expect(statusTexts('as').some((s) => /^red:pump-1 score \d+\.\d\d \/ thr \d+\.\d\d$/.test(s))).toBe(true);

    feed('pump-1', i, 10);
    await waitFor(() => got.alerts.some((a) => a.kind === 'close'), 20_000, 'the alert to close');
    const close = got.alerts.find((a) => a.kind === 'close')!;
    expect(close.id).toBe(open.id);
    expect(got.scores.at(-1)!.anomalous).toBe(false);
  });

  it('does keep one detector per asset on one shared session', async () => {
    await helper.load(NODES, withModel());
    const got = collect();
    await waitFor(() => statusTexts('as').some((s) => s.startsWith('green:ready')), 20_000, 'model loaded');
    feed('pump-a', 0, 12);
    feed('pump-b', 0, 12, { leak: 6 });
    await waitFor(() => got.scores.length >= 24, 20_000, '24 scores');
    expect(got.alerts.filter((a) => a.kind === 'open').map((a) => a.asset)).toEqual(['pump-b']);
    expect(got.scores.filter((s) => s.asset === 'pump-a').every((s) => !s.anomalous)).toBe(true);
  });

  it('does show a corrupt model as a red status with the reason, and keep the flow running', async () => {
    const bad = join(tmp, 'corrupt');
    cpSync(bundle, bad, { recursive: true });
    writeFileSync(join(bad, 'pump.onnx'), 'not a model');
    await helper.load(NODES, withModel({}, bad));
    await waitFor(() => statusTexts('as').some((s) => s.startsWith('red:')), 20_000, 'a red status');
    const logged = errorsOf('m').join('\n');
    expect(logged).toMatch(/telltale-model ".*corrupt": .*pump\.onnx/);
    const as = helper.getNode('as');
    const err = new Promise<unknown>((resolve) => as.on('call:error', (call: { args: unknown[] }) => resolve(call.args[0])));
    feed('pump-1', 0, 1);
    expect(String(await err)).toMatch(/corrupt/);
  });

  it('does name the features a model needs that the window lacks', async () => {
    await helper.load(NODES, withModel().map((n) => (n.id === 'fw' ? { ...fw, tags: 'flow,pressure' } : n)));
    await waitFor(() => statusTexts('as').some((s) => s.startsWith('green:ready')), 20_000, 'model loaded');
    const as = helper.getNode('as');
    const err = new Promise<unknown>((resolve) => as.on('call:error', (call: { args: unknown[] }) => resolve(call.args[0])));
    feed('pump-1', 0, 1);
    expect(String(await err)).toMatch(/asset "pump-1": the model needs "current\.mean", "current\.max", not a finite number in this window \(it has flow\.mean/);
  });

  it('does learn a baseline on the device, save it, score, and reload it after a restart', async () => {
    const dir = join(tmp, 'learned');
    const flow = [fw, scoreNode({ learnWindows: 40, dir }), ...outs];
    await helper.load(NODES, flow);
    let got = collect();
    const i = feed('pump 7', 0, 50);
    await waitFor(() => got.scores.length >= 5, 30_000, 'scores after learning');
    expect(statusTexts('as')).toContain('blue:learning 1/40');
    expect(statusTexts('as')).toContain('green:scoring');
    expect(existsSync(join(dir, 'pump_7', 'pump_7.manifest.json'))).toBe(true);
    expect(existsSync(join(dir, 'pump_7', 'pump_7.onnx'))).toBe(true);
    expect(got.scores.every((s) => Number.isFinite(s.score) && s.threshold > 0)).toBe(true);
    const threshold = got.scores[0].threshold;

    await helper.unload();
    await helper.load(NODES, flow);
    got = collect();
    feed('pump 7', i, 5);
    await waitFor(() => got.scores.length >= 4, 30_000, 'scores after the restart');
    expect(got.scores[0].threshold).toBe(threshold);
    expect(statusTexts('as').filter((s) => /^blue:/.test(s))).toEqual([]);
    expect(statusTexts('as')).toContain('grey:learning: waiting for windows');
  });

  it('does learn from more windows than asked when they are too few to fit the inputs, and says so', async () => {
    const flow = [fw, scoreNode({ learnWindows: 10, dir: join(tmp, 'short') }), ...outs];
    await helper.load(NODES, flow);
    const got = collect();
    const as = helper.getNode('as');
    const warned = new Promise<unknown>((resolve) => as.on('call:warn', (call: { args: unknown[] }) => resolve(call.args[0])));
    feed('pump-1', 0, 30);
    expect(String(await warned)).toMatch(/asset "pump-1": 10 windows are too few to fit 6 inputs; learning from 22/);
    await waitFor(() => got.scores.length >= 3, 30_000, 'scores after learning 22 windows');
    expect(statusTexts('as')).toContain('blue:learning 1/22');
    expect(got.scores.every((s) => Number.isFinite(s.score))).toBe(true);
  });

  it('does extend a learning time span that held too few windows', async () => {
    // 0.05 min = 3 s: two windows 10 s apart complete it, far too few for 6 inputs.
    await helper.load(NODES, [fw, scoreNode({ learnWindows: '', learnMinutes: 0.05, dir: join(tmp, 'span') }), ...outs]);
    const got = collect();
    const as = helper.getNode('as');
    const warned = new Promise<unknown>((resolve) => as.on('call:warn', (call: { args: unknown[] }) => resolve(call.args[0])));
    feed('pump-1', 0, 30);
    expect(String(await warned)).toMatch(/asset "pump-1": the learning span held only 2 windows, too few to fit 6 inputs; learning from 22/);
    await waitFor(() => got.scores.length >= 3, 30_000, 'scores after the extended learning');
    expect(got.scores.every((s) => Number.isFinite(s.score))).toBe(true);
  });

  it('does refuse a bad setting with a red status and a message naming the field', async () => {
    await helper.load(NODES, withModel({ closeRatio: 2 }));
    expect(statusTexts('as')).toContain('red:bad configuration');
    expect(errorsOf('as').join('\n')).toMatch(/anomaly-score "as": closeRatio must be in \(0, 1\], got 2/);
  });

  it('does name a feature missing from a window while learning', async () => {
    await helper.load(NODES, [fw, scoreNode({ learnWindows: 40, dir: join(tmp, 'gap') }), ...outs]);
    const as = helper.getNode('as');
    const err = new Promise<unknown>((resolve) => as.on('call:error', (call: { args: unknown[] }) => resolve(call.args[0])));
    as.receive({ payload: { asset: 'p', ts: 1, features: { 'flow.mean': 1, 'flow.max': 2 } } });
    as.receive({ payload: { asset: 'p', ts: 2, features: { 'flow.mean': 1 } } });
    expect(String(await err)).toMatch(/^Error: anomaly-score "as": asset "p": the model needs "flow\.max", not a finite number in this window/);
  });

  it('does report drift on a slow shift as drift events, apart from alerts', async () => {
    await helper.load(NODES, withModel({ driftReference: 60, driftWindow: 40, threshold: 1e6 }));
    const got = collect();
    await waitFor(() => statusTexts('as').some((s) => s.startsWith('green:ready')), 20_000, 'model loaded');
    let i = feed('pump-1', 0, 60);
    // A slow rise of the operating point, every tag alike: drift, not a fault.
    feed('pump-1', i, 80, (k) => ({ offset: (k - i) / 40 }));
    await waitFor(() => got.drift.some((d) => d.kind === 'drift-start'), 30_000, 'a drift-start event');
    const d = got.drift.find((e) => e.kind === 'drift-start')!;
    expect(d).toMatchObject({ asset: 'pump-1', statistic: 'psi' });
    expect(['score', ...trained.names]).toContain(d.channel);
    expect(got.alerts).toEqual([]);
  });
});
