import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../gateway/api/app.ts';
import { ModelLifecycle, type AuditEvent } from '../../gateway/models/lifecycle/index.ts';
import { DeviceRegistry } from '../../gateway/runtime/registry.ts';
import { INPUTS, bundle, keys, tempRoot } from '../models/lifecycle/bundles.ts';
import { TOKEN, auth } from './fixtures.ts';
import { modelsApp } from './models-app.ts';

const root = tempRoot('telltale-api-models-');

/** The bundle directory as the JSON upload body. */
function upload(dir: string, activate = false) {
  const files = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));
  return { files, activate };
}

describe('API /api/v1/models', () => {
  let app: FastifyInstance;
  let store: ModelLifecycle;
  let k: Awaited<ReturnType<typeof keys>>;
  const events: AuditEvent[] = [];

  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ app, store, k, close } = await modelsApp(root, join(root, 'models'), { audit: [(e) => { events.push(e); }], expectInputs: () => ({ asset: 'pump1', inputs: INPUTS }) }));
  });
  afterAll(() => close());

  const post = (url: string, payload?: object) => app.inject({ method: 'POST', url, headers: auth, ...(payload ? { payload } : {}) });

  it('installs and activates a good signed bundle', async () => {
    const res = await post('/api/v1/models', upload(await bundle(root, 'pump', { privateKey: k.privateKey }), true));
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ id: 'pump-v1', active: 'pump-v1' });
    const list = (await app.inject({ method: 'GET', url: '/api/v1/models', headers: auth })).json();
    expect(list.active).toBe('pump-v1');
    expect(list.models).toEqual([expect.objectContaining({ id: 'pump-v1', name: 'pump', version: '1', family: 'pca', inputs: INPUTS, active: true, shadow: false })]);
  });

  it.each([
    ['unsigned', async () => bundle(root, 'pump', { version: '2' }), 'unsigned'],
    ['signed with another key', async () => bundle(root, 'pump', { version: '2', privateKey: (await keys(join(root, 'x'))).privateKey }), 'bad-signature'],
    ['for other features', async () => bundle(root, 'pump', { version: '2', privateKey: k.privateKey, names: ['a', 'b', 'c'] }), 'inputs-mismatch'],
  ])('refuses a bundle %s with the reason and keeps the active model', async (_what, make, reason) => {
    const res = await post('/api/v1/models', upload(await make(), true));
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'TELLTALE_ERR_MODEL_REFUSED', reason });
    expect(store.active.current?.id).toBe('pump-v1');
    expect(events.at(-1)).toMatchObject({ action: 'refused', reason });
  });

  it('refuses a tampered bundle (an .onnx byte changed after signing), naming the file', async () => {
    const body = upload(await bundle(root, 'pump', { version: '2', privateKey: k.privateKey }), true);
    const onnx = Buffer.from(body.files['pump.onnx'], 'base64');
    onnx[onnx.length - 4] ^= 0x0f;
    body.files['pump.onnx'] = onnx.toString('base64');
    const res = await post('/api/v1/models', body);
    expect(res.statusCode).toBe(422);
    expect(res.json().reason).toBe('hash-mismatch');
    expect(res.json().message).toBe(`"pump.manifest.json": files.float: "pump.onnx" does not match the manifest's sha256 (the file was changed or corrupted)`);
    expect(store.active.current?.id).toBe('pump-v1');
  });

  it('rejects bodies that do not match the schema', async () => {
    for (const payload of [{}, { files: {} }, { files: { '../evil': 'AAAA' } }, { files: { 'a.onnx': 'not base64!' } }, { files: { 'a.onnx': 'AAAA' }, activate: 'yes please' }]) {
      const res = await post('/api/v1/models', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().code).toBe('TELLTALE_ERR_BAD_REQUEST');
    }
    const bad = await post('/api/v1/models/pump-v1/activate', { shadowRows: -1 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/shadowRows/);
  });

  it('activates an uploaded version, then rolls back, each an audit event', async () => {
    const up = await post('/api/v1/models', upload(await bundle(root, 'pump', { version: '3', privateKey: k.privateKey, seed: 5 })));
    expect(up.json()).toEqual({ id: 'pump-v3', active: 'pump-v1' });
    const act = await post('/api/v1/models/pump-v3/activate', {});
    expect(act.statusCode).toBe(200);
    expect(act.json()).toEqual({ id: 'pump-v3', active: 'pump-v3' });
    const back = await post('/api/v1/models/rollback');
    expect(back.json()).toEqual({ id: 'pump-v1', active: 'pump-v1' });
    expect(events.slice(-3).map((e) => e.action)).toEqual(['installed', 'activated', 'rolled-back']);
    const none = await post('/api/v1/models/rollback');
    expect(none.statusCode).toBe(409);
    expect(none.json().code).toBe('TELLTALE_ERR_NO_PREVIOUS_MODEL');
  });

  it('starts a shadow period on request and lists its agreement', async () => {
    const res = await post('/api/v1/models/pump-v3/activate', { shadowRows: 1000, minAgreement: 0.9 });
    expect(res.json()).toEqual({ id: 'pump-v3', active: 'pump-v1', shadow: 'pump-v3' });
    await store.active.run(new Float32Array(3 * 4).fill(20), 4);
    const list = (await app.inject({ method: 'GET', url: '/api/v1/models', headers: auth })).json();
    expect(list.shadow).toMatchObject({ modelId: 'pump-v3', rows: 4 });
    await store.active.stopShadow();
  });

  it('answers an unknown version with a coded 404', async () => {
    const res = await post('/api/v1/models/ghost-v9/activate', {});
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'TELLTALE_ERR_MODEL_NOT_FOUND', message: 'model version "ghost-v9" is not installed' });
  });

  it('says so when the gateway has no model store', async () => {
    const bare = buildApp({ registry: new DeviceRegistry(), tokens: [TOKEN] });
    const res = await bare.inject({ method: 'GET', url: '/api/v1/models', headers: auth });
    await bare.close();
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('TELLTALE_ERR_MODELS_DISABLED');
  });
});
