/**
 * Hostile uploads to POST /api/v1/models (issue 10.1), through buildApp with a real ModelLifecycle on a temp dir:
 * manifests naming files outside the bundle, devices, /proc, oversized files, crafted params. Each must be a 422
 * with a reason and a message in the bundle's own terms (no host path, no host file's sha256), leave nothing in
 * the store, and the gateway must keep answering.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { ModelLifecycle } from '../../gateway/models/lifecycle/index.ts';
import { bundle, keys, tempRoot } from '../models/lifecycle/bundles.ts';
import { leaks, readManifest, signed, uploadBody, type Manifest } from '../models/lifecycle/hostile.ts';
import { auth } from './fixtures.ts';
import { modelsApp } from './models-app.ts';

const root = tempRoot('telltale-api-attacks-');

describe('POST /api/v1/models refuses hostile bundles', () => {
  let app: FastifyInstance;
  let store: ModelLifecycle;
  let k: Awaited<ReturnType<typeof keys>>;
  let good: string;
  const dataDir = join(root, 'data', 'models');

  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ app, store, k, close } = await modelsApp(root, dataDir, { onError: () => {} }));
    good = await bundle(root, 'pump', { privateKey: k.privateKey });
  });
  afterAll(() => close());

  const post = (payload: object) => app.inject({ method: 'POST', url: '/api/v1/models', headers: auth, payload });
  /** The good bundle's upload with its manifest mutated, signed again with the operator's key unless `sign` is false. */
  const mutated = (mutate: (m: Manifest) => void, opts: { sign?: boolean; extra?: Record<string, Buffer> } = {}) => {
    const body = uploadBody(good);
    const m = readManifest(good, 'pump');
    mutate(m);
    const out = opts.sign === false ? { ...m, signature: null } : signed(m, k.privateKey);
    body.files['pump.manifest.json'] = Buffer.from(JSON.stringify(out)).toString('base64');
    for (const [name, bytes] of Object.entries(opts.extra ?? {})) body.files[name] = bytes.toString('base64');
    return body;
  };
  /** A refusal: 422, the reason, a message with no host path or host hash, nothing left in the store. */
  const refused = async (payload: object, reason: string) => {
    const res = await post(payload);
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json()).toMatchObject({ code: 'TELLTALE_ERR_MODEL_REFUSED', reason });
    expect(leaks(res.body, [root, dataDir])).toEqual([]);
    expect(res.body).not.toMatch(/[0-9a-f]{64}/);
    expect(existsSync(join(dataDir, '.incoming'))).toBe(false);
    expect(readdirSync(join(dataDir, 'versions'))).toEqual([]);
    return res.json().message as string;
  };

  it.each([
    ['a ../../ path', '../../../../../../etc/passwd'],
    ['an absolute path', '/etc/passwd'],
    ['a device', '/dev/zero'],
    ['a /proc file', '/proc/self/environ'],
    ['a sub-directory', 'sub/pump.onnx'],
    ['..', '..'],
    ['a hidden file', '.pump.onnx'],
    ['another manifest', 'pump.manifest.json'],
  ])('refuses a signed manifest naming %s as a file, before reading anything', async (_what, path) => {
    const message = await refused(mutated((m) => { m.files.float.path = path; }), 'unsafe-path');
    expect(message).toBe('"pump.manifest.json": files.float.path is not a plain file name in the bundle (letters, digits, _ . -; no separator, \'..\' or absolute path)');
  });

  it('refuses the same names unsigned, and in the params entry', async () => {
    await refused(mutated((m) => { m.files.params!.path = '/dev/zero'; }, { sign: false }), 'unsafe-path');
    await refused(mutated((m) => { m.files.int8.path = '../../proc/self/environ'; }, { sign: false }), 'unsafe-path');
  });

  it('refuses an unsigned bundle with a 10 MB crafted params file as unsigned, without hashing or parsing it', async () => {
    // k and the input count far beyond the model: building it would loop for minutes; hashing it would say hash-mismatch.
    const params = Buffer.from(`{"family":"pca","k":100000000,"components":[${'1,'.repeat(5_000_000)}1]}`);
    const t0 = performance.now();
    const message = await refused(mutated((m) => { m.files.params = { path: 'pump.params.json', sha256: 'a'.repeat(64), bytes: params.length }; }, { sign: false, extra: { 'pump.params.json': params } }), 'unsigned');
    expect(message).toMatch(/^model pump v1: the manifest is unsigned/);
    expect(performance.now() - t0).toBeLessThan(5_000); // inject + base64 of 13 MB; the refusal itself reads only the manifest
  });

  it('refuses a signed bundle whose params break the manifest (huge k), before building a model', async () => {
    const params = Buffer.from(JSON.stringify({ family: 'pca', normalisation: { mean: [0, 0, 0], std: [1, 1, 1] }, k: 1e9, components: [1], eigenvalues: [1], qLimit: 1, t2Limit: 1, scoreKind: 'q', varianceKept: 0.9 }));
    const { sha256 } = await import('../models/lifecycle/hostile.ts');
    const t0 = performance.now();
    const message = await refused(mutated((m) => { m.files.params = { path: 'pump.params.json', sha256: sha256(params), bytes: params.length }; }, { extra: { 'pump.params.json': params } }), 'bad-params');
    expect(message).toBe('"pump.manifest.json": files.params: "pump.params.json": k must be an integer from 1 to inputs.count (3)');
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it('refuses a file over its cap from the manifest size alone, and a manifest over 1 MiB', async () => {
    const message = await refused(mutated((m) => { m.files.float.bytes = 9 * 1024 * 1024; }), 'too-large');
    expect(message).toBe('"pump.manifest.json": files.float: "pump.onnx": the manifest gives a size over the 8 MiB cap');
    const big = uploadBody(good);
    big.files['pump.params.json'] = Buffer.alloc(9 * 1024 * 1024, 0x20).toString('base64');
    await refused(big, 'too-large');
    const fat = uploadBody(good);
    fat.files['pump.manifest.json'] = Buffer.alloc(1024 * 1024 + 1, 0x20).toString('base64');
    await refused(fat, 'too-large');
  });

  it('says which file does not match without saying its hash or size', async () => {
    const body = uploadBody(good);
    const onnx = Buffer.from(body.files['pump.onnx'], 'base64');
    onnx[10] ^= 1;
    body.files['pump.onnx'] = onnx.toString('base64');
    expect(await refused(body, 'hash-mismatch')).toBe('"pump.manifest.json": files.float: "pump.onnx" does not match the manifest\'s sha256 (the file was changed or corrupted)');
    const short = uploadBody(good);
    short.files['pump.int8.onnx'] = Buffer.from('x').toString('base64');
    expect(await refused(short, 'hash-mismatch')).toBe('"pump.manifest.json": files.int8: "pump.int8.onnx" is not the size the manifest gives (the file was changed or corrupted)');
  });

  it('refuses a file the manifest names but the upload lacks, and a manifest that is not JSON', async () => {
    const body = uploadBody(good);
    delete body.files['pump.int8.onnx'];
    expect(await refused(body, 'invalid-bundle')).toBe('"pump.manifest.json": files.int8: "pump.int8.onnx" is missing from the upload');
    const junk = uploadBody(good);
    junk.files['pump.manifest.json'] = Buffer.from(`${root}/x`).toString('base64'); // V8 would quote it back
    expect(await refused(junk, 'invalid-bundle')).toMatch(/^"pump\.manifest\.json": not JSON/);
  });

  it('still installs the good bundle afterwards and answers /healthz', async () => {
    const res = await post(uploadBody(good, true));
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ id: 'pump-v1', active: 'pump-v1' });
    expect(readdirSync(join(dataDir, 'versions'))).toEqual(['pump-v1']);
    expect(readdirSync(join(dataDir, 'versions', 'pump-v1')).sort()).toEqual(['pump.int8.onnx', 'pump.manifest.json', 'pump.onnx', 'pump.params.json']);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('answers a store failure (not a refusal) with a 500 that names no path', async () => {
    const other = tempRoot('telltale-api-store-fail-');
    const broken = await modelsApp(other, join(other, 'models'), { onError: () => {} });
    try {
      rmSync(join(other, 'models', 'versions'), { recursive: true });
      writeFileSync(join(other, 'models', 'versions'), 'not a directory');
      const body = uploadBody(await bundle(other, 'pump', { privateKey: broken.k.privateKey }));
      const res = await broken.app.inject({ method: 'POST', url: '/api/v1/models', headers: auth, payload: body });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toMatchObject({ code: 'TELLTALE_ERR_INTERNAL', message: 'the model store could not complete the request (the gateway log has the detail)' });
      expect(leaks(res.body, [other])).toEqual([]);
    } finally {
      await broken.close();
    }
  });
});
