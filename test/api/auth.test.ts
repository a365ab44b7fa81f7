import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../gateway/api/app.ts';
import { loadApiTokens, tokenMatcher } from '../../gateway/api/auth.ts';
import { DeviceRegistry } from '../../gateway/runtime/registry.ts';
import { tempRoot } from '../models/lifecycle/bundles.ts';
import { TOKEN, auth } from './fixtures.ts';

const root = tempRoot('telltale-api-auth-');

describe('API auth', () => {
  const app = buildApp({ registry: new DeviceRegistry(), tokens: [TOKEN, 'second-token'] });
  const closed = buildApp({ registry: new DeviceRegistry(), tokens: [] });
  afterAll(async () => {
    await app.close();
    await closed.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses a request without a token with a coded 401', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/devices' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'TELLTALE_ERR_UNAUTHORIZED', message: 'missing Authorization: Bearer <token> header' });
  });

  it('refuses an unknown token and a malformed header', async () => {
    const bad = await app.inject({ method: 'GET', url: '/api/v1/devices', headers: { authorization: 'Bearer nope' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().message).toBe('unknown API token');
    const basic = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Basic dXNlcjpwdw==' } });
    expect(basic.statusCode).toBe(401);
    expect(basic.json().message).toBe('Authorization header must be "Bearer <token>"');
  });

  it('accepts every configured token', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/devices', headers: auth })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/v1/devices', headers: { authorization: 'Bearer second-token' } })).statusCode).toBe(200);
  });

  it('leaves /healthz and /readyz open and protects /docs and /metrics', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
  });

  it('is closed when no token is configured', async () => {
    const res = await closed.inject({ method: 'GET', url: '/api/v1/devices', headers: auth });
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toMatch(/^no API tokens are configured/);
  });

  it('reads tokens from the environment and from a file, naming a file it cannot read', () => {
    const file = join(root, 'tokens');
    writeFileSync(file, '# ops team\nfile-token\n\n');
    expect(loadApiTokens({ TELLTALE_API_TOKENS: 'a, b', TELLTALE_API_TOKENS_FILE: file })).toEqual(['a', 'b', 'file-token']);
    expect(() => loadApiTokens({ TELLTALE_API_TOKENS_FILE: join(root, 'missing') })).toThrow(`TELLTALE_API_TOKENS_FILE ${join(root, 'missing')}: cannot read (ENOENT)`);
  });

  it('matches only exact tokens, whatever their length', () => {
    const match = tokenMatcher(['abc']);
    expect([match('abc'), match('ab'), match('abcd'), match('')]).toEqual([true, false, false, false]);
  });
});
