import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LatestState } from '../../../gateway/api/latest-state.ts';
import { DeviceRegistry } from '../../../gateway/runtime/registry.ts';
import anomalyScore from '../../../nodes/anomaly-score/anomaly-score.ts';
import featureWindow from '../../../nodes/feature-window/feature-window.ts';
import model from '../../../nodes/model/model.ts';
import { waitFor } from '../../support/process.ts';
import { helper } from '../helper.ts';
import { FEATURES, rng, sampleAt, TAGS, trainPumpBundle, WINDOW, type PumpState } from './pump.ts';

const require = createRequire(import.meta.url);
type Alert = { kind: 'open' | 'update' | 'close'; id: string; asset: string };

describe('anomaly-score in the gateway', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'telltale-anomaly-latest-'));
  const bundle = join(tmp, 'pump');
  const latest = new LatestState();
  let threshold: number;
  beforeAll(async () => {
    ({ threshold } = await trainPumpBundle(bundle));
    helper.init(require.resolve('node-red'), { telltale: { registry: new DeviceRegistry(), pkiDir: join(tmp, 'pki'), latest } });
    await helper.startServer();
  });
  afterEach(() => helper.unload());
  afterAll(async () => {
    await helper.stopServer();
    rmSync(tmp, { recursive: true, force: true });
  });

  const feed = (from: number, windows: number, state: PumpState = {}): number => {
    const fw = helper.getNode('fw');
    const random = rng(11 + from);
    const end = from + windows * WINDOW;
    for (let i = from; i < end; i++) fw.receive({ payload: sampleAt(random, 'pump-1', i, state) });
    return end;
  };

  it('does record the asset\'s latest score and its open alert in LatestState, for the API', async () => {
    await helper.load([featureWindow, model, anomalyScore], [
      { id: 'm', type: 'telltale-model', path: bundle, maxBatch: 64, maxWaitMs: 1 },
      { id: 'fw', type: 'feature-window', size: WINDOW, hop: '', features: FEATURES.join(','), tags: TAGS.join(','), vector: false, wires: [['as']] },
      { id: 'as', type: 'anomaly-score', model: 'm', smoothing: 0, closeRatio: 0.7, minOpenWindows: 2, minCloseWindows: 2, topK: 2, driftReference: 0, wires: [['scores'], ['alerts'], []] },
      { id: 'scores', type: 'helper' }, { id: 'alerts', type: 'helper' },
    ]);
    let scores = 0;
    const alerts: Alert[] = [];
    helper.getNode('scores').on('input', () => scores++);
    helper.getNode('alerts').on('input', (m: { payload: Alert }) => alerts.push(m.payload));

    let i = feed(0, 20);
    await waitFor(() => scores >= 20, 20_000, '20 scores');
    const normal = latest.asset('pump-1');
    expect(normal?.state).toBe('normal');
    expect(normal?.threshold).toBeCloseTo(threshold, 6);
    expect(Number.isFinite(normal?.score)).toBe(true);
    expect(Object.keys(normal?.features ?? {})).toContain('flow.mean');
    expect(latest.alerts()).toEqual([]);

    i = feed(i, 8, { leak: 6 });
    await waitFor(() => alerts.some((a) => a.kind === 'open'), 20_000, 'an alert to open');
    await waitFor(() => scores >= 28, 20_000, '28 scores');
    const open = alerts.find((a) => a.kind === 'open')!;
    const entry = latest.alerts().find((a) => a.id === open.id);
    expect(entry).toMatchObject({ asset: 'pump-1', open: true });
    expect(entry?.message).toMatch(/^pump-1: score .* \/ threshold .*; top tags flow/);
    expect(latest.asset('pump-1')?.state).toBe('alert');

    feed(i, 12);
    await waitFor(() => alerts.some((a) => a.kind === 'close'), 20_000, 'the alert to close');
    expect(latest.alerts().find((a) => a.id === open.id)).toMatchObject({ open: false });
  });
});
