/**
 * Hostile model uploads against a real `telltale start` process over HTTP (issue 10.1): a manifest naming
 * /dev/zero (which used to exhaust the heap), /proc/self/environ and ../../etc/passwd, signed with the gateway's
 * own key so only the path rules stand between it and the host. Each is a 422 with its reason and no host detail,
 * the process stays up, /healthz answers, and the store holds nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/ports.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';
import { bundle, keys, tempRoot } from '../models/lifecycle/bundles.ts';
import { canary, leaks, readManifest, signed, uploadBody } from '../models/lifecycle/hostile.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN = 'e2e-models-token-0123456789';

describe('telltale start: hostile model uploads', () => {
  const dir = tempRoot('telltale-start-models-');
  const dataDir = join(dir, 'data');
  let gateway: Spawned | undefined;
  let url = '';
  let k: Awaited<ReturnType<typeof keys>>;

  beforeAll(async () => {
    k = await keys(dir);
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, 'gateway: { id: e2e-models }\n');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    gateway = spawnPeer(join(repo, 'node_modules/.bin/node'), ['bin/telltale.js', 'start', '--config', file, '--api-port', String(port), '--editor-port', '0', '--data-dir', dataDir], {
      cwd: repo, env: { ...process.env, TELLTALE_API_TOKENS: TOKEN, TELLTALE_MODEL_PUBLIC_KEY: k.publicKeyPath },
    });
    await waitFor(async () => (await fetch(`${url}/healthz`)).ok, 60_000, () => `/healthz (output:\n${gateway?.output()})`);
  });
  afterAll(async () => {
    await gateway?.stop(20_000);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses manifests naming host files with 422 and the reason, stays up and keeps nothing', async () => {
    const good = await bundle(dir, 'pump', { privateKey: k.privateKey });
    for (const path of ['/dev/zero', '/proc/self/environ', '../../../../../../etc/passwd']) {
      const body = uploadBody(good);
      const m = readManifest(good, 'pump');
      body.files['pump.manifest.json'] = Buffer.from(JSON.stringify(signed({ ...m, files: { ...m.files, float: { ...m.files.float, path } } }, k.privateKey))).toString('base64');
      const res = await fetch(`${url}/api/v1/models`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.text();
      expect(res.status, text).toBe(422);
      expect(JSON.parse(text)).toMatchObject({ code: 'TELLTALE_ERR_MODEL_REFUSED', reason: 'unsafe-path', message: expect.stringMatching(/^"pump\.manifest\.json": files\.float\.path is not a plain file name in the bundle/) });
      expect(leaks(text, [dir, dataDir])).toEqual([]);
    }
    expect(gateway!.child.exitCode).toBeNull();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const models = join(dataDir, 'models');
    expect(existsSync(join(models, '.incoming'))).toBe(false);
    expect(readdirSync(join(models, 'versions'))).toEqual([]);
    // The same gateway takes the honest bundle.
    const ok = await fetch(`${url}/api/v1/models`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(uploadBody(good)) });
    expect(ok.status).toBe(201);
  });

  it('sets aside a symlinked bundle and a bundle with a symlinked file dropped into models/drop, reading nothing outside', async () => {
    const drop = join(dataDir, 'models', 'drop');
    const secret = canary(dir);
    const good = await bundle(dir, 'fan', { privateKey: k.privateKey });
    symlinkSync('/etc', join(drop, 'etc'));
    const linked = await bundle(dir, 'fan', { version: '2', privateKey: k.privateKey });
    rmSync(join(linked, 'fan.onnx'));
    symlinkSync(secret.path, join(linked, 'fan.onnx'));
    cpSync(linked, join(drop, '.fan2'), { recursive: true, verbatimSymlinks: true });
    renameSync(join(drop, '.fan2'), join(drop, 'fan2'));
    const reasons = await waitFor(() => {
      const r = ['etc', 'fan2'].map((e) => join(drop, 'refused', `${e}.reason.txt`));
      return r.every((f) => existsSync(f)) ? r.map((f) => readFileSync(f, 'utf8')) : undefined;
    }, 30_000, () => `the reason files (output:\n${gateway?.output()})`);
    expect(reasons).toEqual(['drop/etc is a symbolic link; drop a bundle directory itself\n', '"fan.manifest.json": files.float: "fan.onnx" is a symbolic link, not a regular file\n']);
    expect(secret.read()).toBe(false);
    expect(existsSync('/etc/passwd')).toBe(true);
    expect(gateway!.output()).not.toContain(secret.secret);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    // And an honest bundle dropped after them is taken.
    cpSync(good, join(drop, '.fan'), { recursive: true });
    renameSync(join(drop, '.fan'), join(drop, 'fan'));
    await waitFor(() => existsSync(join(dataDir, 'models', 'versions', 'fan-v1')), 30_000, 'fan-v1 installed');
  });
});
