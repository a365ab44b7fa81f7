import { cpSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../gateway/config/load.ts';
import { Gateway } from '../../gateway/runtime/gateway.ts';
import { waitFor } from '../support/process.ts';
import { bundle, keys, tempRoot } from '../models/lifecycle/bundles.ts';

const root = tempRoot('telltale-api-gw-');

describe('Gateway API with models', () => {
  let gw: Gateway;
  let k: Awaited<ReturnType<typeof keys>>;
  const tokensBefore = process.env.TELLTALE_API_TOKENS;
  const audit: string[] = [];

  beforeAll(async () => {
    k = await keys(root);
    process.env.TELLTALE_API_TOKENS = 'gw-test-token';
    const config = validateConfig({ gateway: { dataDir: join(root, 'data') }, api: { host: '127.0.0.1', port: 0 }, editor: { enabled: false }, devices: [] });
    gw = await Gateway.start({ config, modelPublicKey: k.publicKeyPath });
    gw.models!.lifecycle.addAuditSink((e) => { audit.push(e.action); });
  });
  afterAll(async () => {
    await gw?.stop();
    if (tokensBefore === undefined) delete process.env.TELLTALE_API_TOKENS;
    else process.env.TELLTALE_API_TOKENS = tokensBefore;
    rmSync(root, { recursive: true, force: true });
  });

  it('activates a bundle dropped into <dataDir>/models/drop and serves it over HTTP with a token', async () => {
    const dir = await bundle(root, 'pump', { privateKey: k.privateKey });
    const drop = gw.models!.dropDir;
    cpSync(dir, join(drop, '.pump'), { recursive: true });
    renameSync(join(drop, '.pump'), join(drop, 'pump'));
    await waitFor(() => gw.models!.lifecycle.active.current?.id === 'pump-v1', 20_000, 'the dropped model to be active');
    const url = new URL('api/v1/models', gw.apiUrl);
    expect((await fetch(url)).status).toBe(401);
    const res = await fetch(url, { headers: { authorization: 'Bearer gw-test-token' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { active: string }).active).toBe('pump-v1');
    const ready = (await (await fetch(new URL('readyz', gw.apiUrl), { headers: { authorization: 'Bearer gw-test-token' } })).json()) as { checks: unknown[] };
    expect(ready.checks).toContainEqual({ name: 'models', ok: true, detail: 'active pump-v1' });
    const open = (await (await fetch(new URL('readyz', gw.apiUrl))).json()) as { checks: unknown[] };
    expect(open.checks).toContainEqual({ name: 'models', ok: true });
    const state = JSON.parse(readFileSync(join(root, 'data', 'models', 'state.json'), 'utf8'));
    expect(state.active).toBe('pump-v1');
    expect(audit).toEqual(['installed', 'activated']);
  });
});
