import { createRequire } from 'node:module';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LatestState } from '../../../gateway/api/latest-state.ts';
import type { GatewayModels } from '../../../gateway/models/lifecycle/gateway-models.ts';
import { ModelLifecycle } from '../../../gateway/models/lifecycle/store.ts';
import { DeviceRegistry } from '../../../gateway/runtime/registry.ts';
import anomalyScore from '../../../nodes/anomaly-score/anomaly-score.ts';
import model from '../../../nodes/model/model.ts';
import { waitFor } from '../../support/process.ts';
import { bundle, INPUTS, keys, tempRoot } from '../../models/lifecycle/bundles.ts';
import { helper } from '../helper.ts';

const require = createRequire(import.meta.url);
type Score = { asset: string; ts: number; score: number; modelId?: string };

const NODES = [model, anomalyScore];
const flow = [
  { id: 'm', type: 'telltale-model', source: 'gateway' },
  { id: 's', type: 'anomaly-score', model: 'm', smoothing: 0, driftReference: 0, wires: [['o'], [], []] },
  { id: 'o', type: 'helper' },
];

/** A window of the lifecycle test bundles' inputs, varying a little with ts. */
const window = (ts: number) => ({ payload: { asset: 'pump-1', ts, features: Object.fromEntries(INPUTS.map((n, i) => [n, 1 + i * 0.5 + Math.sin(ts + i) * 0.1])) } });

describe('telltale-model source "gateway"', () => {
  const root = tempRoot('telltale-gateway-source-');
  const latest = new LatestState();
  let lifecycle: ModelLifecycle;
  let v1: string;
  let v2: string;
  let other: string;

  beforeAll(async () => {
    const k = await keys(root);
    lifecycle = new ModelLifecycle({ dir: join(root, 'store'), publicKey: k.publicKey });
    await lifecycle.open();
    v1 = await lifecycle.install(await bundle(root, 'pump', { version: '1', privateKey: k.privateKey, seed: 7 }));
    v2 = await lifecycle.install(await bundle(root, 'pump', { version: '2', privateKey: k.privateKey, seed: 8 }));
    other = await lifecycle.install(await bundle(root, 'press', { version: '1', privateKey: k.privateKey, names: ['press.force', 'press.stroke', 'press.oil'] }));
    await lifecycle.activate(v1, { shadow: false });
    // The store's own input check is covered in test/models/lifecycle: here the per-window guard is what is tested.
    const models: GatewayModels = { lifecycle, dropDir: join(root, 'store', 'drop'), requireInputs: () => () => undefined, close: () => lifecycle.close() };
    helper.init(require.resolve('node-red'), { telltale: { registry: new DeviceRegistry(), pkiDir: join(root, 'pki'), latest, models } });
    await helper.startServer();
  });
  afterEach(() => helper.unload());
  afterAll(async () => {
    await helper.stopServer();
    await lifecycle.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('does switch the model id of the scores when a second signed version is activated mid-stream, losing none', async () => {
    await helper.load(NODES, flow);
    const got: Score[] = [];
    helper.getNode('o').on('input', (m: { payload: Score }) => got.push(m.payload));
    const s = helper.getNode('s');
    let ts = 0;
    for (; ts < 30; ts++) s.receive(window(ts));
    await waitFor(() => got.length === 30, 20_000, '30 scores from v1');
    expect(got.every((g) => g.modelId === v1)).toBe(true);

    // Activation runs while windows keep arriving: each is scored by exactly one of the two versions.
    const activating = lifecycle.activate(v2, { shadow: false });
    for (; ts < 60; ts++) s.receive(window(ts));
    await activating;
    for (; ts < 90; ts++) s.receive(window(ts));
    await waitFor(() => got.length >= 90, 20_000, '90 scores');

    expect(got).toHaveLength(90);
    expect(new Set(got.map((g) => g.ts)).size).toBe(90);
    expect(got.every((g) => Number.isFinite(g.score) && (g.modelId === v1 || g.modelId === v2))).toBe(true);
    expect(got.filter((g) => g.ts >= 60).every((g) => g.modelId === v2)).toBe(true);
    expect(latest.asset('pump-1')?.modelId).toBe(v2);

    await lifecycle.rollback();
    s.receive(window(ts));
    await waitFor(() => got.length === 91, 20_000, 'a score after the rollback');
    expect(got[90].modelId).toBe(v1);
  });

  it('does refuse, naming both models, to score with an activated version whose inputs differ from the deployed one', async () => {
    await lifecycle.activate(v1, { shadow: false });
    await helper.load(NODES, flow);
    const s = helper.getNode('s');
    await lifecycle.activate(other, { shadow: false });
    const err = new Promise<unknown>((resolve) => s.on('call:error', (call: { args: unknown[] }) => resolve(call.args[0])));
    s.receive(window(1));
    expect(String(await err)).toMatch(new RegExp(`active model ${other} takes inputs press.force, .* deployed with ${v1}'s pump1.vibration`));
  });
});
