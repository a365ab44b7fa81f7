import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../gateway/core/package-root.ts';
import type { BatchScorer } from '../../../gateway/models/index.ts';
import anomalyScore from '../../../nodes/anomaly-score/anomaly-score.ts';
import model, { type LoadedModel } from '../../../nodes/model/model.ts';
import { waitFor } from '../../support/process.ts';
import { errorsOf, helper, initHelper } from '../helper.ts';

const SKAB = JSON.parse(readFileSync(join(packageRoot, 'models/skab-pca/skab-pca.manifest.json'), 'utf8')) as {
  inputs: { names: string[] };
  threshold: { value: number; int8Value: number };
};
const NODES = [model, anomalyScore];
const scorer = (id: string, wires: string) => ({ id, type: 'anomaly-score', model: 'm', smoothing: 0, driftReference: 0, wires: [[wires], [], []] });
const modelOf = (id = 'm') => (helper.getNode(id) as { model: Promise<LoadedModel> }).model;

/** A SKAB-like row: the model takes the raw sensor channels by name. */
const window = (asset: string, ts: number, bump = 0) => ({
  payload: {
    asset,
    ts,
    features: Object.fromEntries(SKAB.inputs.names.map((n, i) => [n, [0.21, 0.27, 2.4, 0.11, 89.5, 28.5, 228.6, 125.2][i] + bump])),
  },
});

describe('telltale-model', () => {
  initHelper();
  beforeAll(() => helper.startServer());
  afterEach(() => helper.unload());
  afterAll(() => helper.stopServer());

  it('does load the shipped bundle once and score the windows of two nodes through one batch scorer', async () => {
    await helper.load(NODES, [
      { id: 'm', type: 'telltale-model', path: 'models/skab-pca', maxBatch: 64, maxWaitMs: 1 },
      scorer('s1', 'o1'), scorer('s2', 'o2'),
      { id: 'o1', type: 'helper' }, { id: 'o2', type: 'helper' },
    ]);
    const m = await modelOf();
    expect(m.inputNames).toEqual(SKAB.inputs.names);
    expect(m.threshold).toBe(SKAB.threshold.value);
    const got: number[] = [];
    helper.getNode('o1').on('input', (msg: { payload: { score: number } }) => got.push(msg.payload.score));
    helper.getNode('o2').on('input', (msg: { payload: { score: number } }) => got.push(msg.payload.score));
    for (let i = 0; i < 10; i++) {
      helper.getNode('s1').receive(window('pump-1', i));
      helper.getNode('s2').receive(window('pump-2', i));
    }
    await waitFor(() => got.length === 20, 20_000, '20 scores');
    expect(got.every(Number.isFinite)).toBe(true);
    expect((m.batch as BatchScorer).stats.rows).toBe(20);
  });

  it('does take the int8 variant with its own threshold', async () => {
    await helper.load(NODES, [{ id: 'm', type: 'telltale-model', path: 'models/skab-pca', int8: true }]);
    const m = await modelOf();
    expect(m.threshold).toBe(SKAB.threshold.int8Value);
    expect(m.threshold).not.toBe(SKAB.threshold.value);
  });

  it('does release its session when the flow stops', async () => {
    await helper.load(NODES, [{ id: 'm', type: 'telltale-model', path: 'models/skab-pca' }]);
    const m = await modelOf();
    await helper.unload();
    await expect(m.batch.score(new Float32Array(8), 1)).rejects.toThrow(/closed/);
    await expect(m.opened!.scorer.run(new Float32Array(8), 1)).rejects.toThrow(/disposed/);
  });

  it('does name a missing bundle in its error and on its users, without crashing the flow', async () => {
    await helper.load(NODES, [
      { id: 'm', type: 'telltale-model', name: 'pump model', path: '/nonexistent/telltale-bundle' },
      scorer('s1', 'o1'), { id: 'o1', type: 'helper' },
    ]);
    await expect(modelOf()).rejects.toThrow(/^telltale-model "pump model": .*\/nonexistent\/telltale-bundle/);
    expect(errorsOf('m').join('\n')).toMatch(/telltale-model "pump model": .*nonexistent/);
    const s1 = helper.getNode('s1');
    const err = new Promise<unknown>((resolve) => s1.on('call:error', (call: { args: unknown[] }) => resolve(call.args[0])));
    s1.receive(window('pump-1', 1));
    expect(String(await err)).toMatch(/nonexistent/);
  });

  it('does refuse source "gateway" outside the gateway (no model store) with a precise error', async () => {
    await helper.load(NODES, [{ id: 'm', type: 'telltale-model', source: 'gateway', path: '' }]);
    await expect(modelOf()).rejects.toThrow(/^telltale-model "gateway": source "gateway" needs the gateway's model store/);
  });

  it('does refuse an empty path with a precise error', async () => {
    await helper.load(NODES, [{ id: 'm', type: 'telltale-model', path: '' }]);
    await expect(modelOf()).rejects.toThrow(/no model path set/);
  });
});
