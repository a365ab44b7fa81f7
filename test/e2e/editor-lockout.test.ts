/**
 * Nobody can lock the editor's admin out: the real `telltale start` with Node-RED's editor on 0.0.0.0 (so HTTPS with
 * the self-signed certificate by default). Client A (source 127.0.0.1) fails 20 logins as admin and is refused with
 * 429 + Retry-After after the 10th; client B (source 127.0.0.2, same loopback) logs in as admin with the right
 * password and its token opens the admin API. Without the limiter, Node-RED's own per-name limit (more than 5
 * attempts for "admin" in 10 minutes) refuses B as well.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { freePort } from '../support/ports.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const PASSWORD = 'correct-horse-battery';

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** One HTTPS request from a chosen source address, trusting only the gateway's own certificate. */
function call(url: string, ca: Buffer, localAddress: string, opts: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', ca, localAddress, headers: opts.headers ?? {}, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const login = (editor: string, ca: Buffer, from: string, password: string, path = 'auth/token') => call(new URL(path, editor).href, ca, from, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ client_id: 'node-red-editor', grant_type: 'password', scope: '*', username: 'admin', password }),
});

describe('editor login lockout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-lockout-'));
  const dataDir = join(dir, 'data');
  let gateway: Spawned | undefined;
  let editor: string;
  let ca: Buffer;

  beforeAll(async () => {
    const editorPort = await freePort();
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, stringify({ gateway: { id: 'lockout', dataDir }, api: { port: await freePort() }, editor: { host: '0.0.0.0', port: editorPort } }));
    gateway = spawnPeer(join(repo, 'node_modules/.bin/node'), ['bin/telltale.js', 'start', '--config', file], {
      cwd: repo,
      env: { ...process.env, TELLTALE_EDITOR_PASSWORD: PASSWORD, TELLTALE_EDITOR_USER: '' },
    });
    await Promise.race([
      waitFor(() => gateway!.output().includes('running'), 60_000, () => `the gateway (output:\n${gateway!.output()})`),
      new Promise<never>((_, reject) => gateway!.child.once('exit', (code) => reject(new Error(`the gateway exited with ${code}:\n${gateway!.output()}`)))),
    ]);
    editor = `https://127.0.0.1:${editorPort}/`;
    ca = readFileSync(join(dataDir, 'tls/cert.pem'));
  }, 90_000);
  afterAll(async () => {
    await gateway?.stop(20_000);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the editor on 0.0.0.0 over HTTPS with the generated certificate, its fingerprint printed at start', () => {
    expect(gateway!.output()).toContain(`Flow editor:  https://0.0.0.0:`);
    expect(gateway!.output()).toContain(`SHA-256 fingerprint ${new X509Certificate(ca).fingerprint256}`);
  });

  it('refuses client A after 10 failures with 429 and Retry-After; client B still logs in as admin', async () => {
    const statuses: number[] = [];
    let last: Answer | undefined;
    // Express routes /AUTH/TOKEN and /auth/token/ to the same handler: they must not get past the limiter.
    const paths = ['auth/token', 'AUTH/TOKEN', 'auth/token/', 'Auth/Token/'];
    for (let i = 0; i < 20; i++) {
      last = await login(editor, ca, '127.0.0.1', `wrong-${i}`, paths[i % paths.length]);
      statuses.push(last.status);
    }
    // First what matters most: the admin still logs in from elsewhere.
    const b = await login(editor, ca, '127.0.0.2', PASSWORD);
    expect(b.status, `client B: ${b.body}; client A got ${statuses.join(' ')}`).toBe(200);
    expect(statuses).toEqual([...Array<number>(10).fill(403), ...Array<number>(10).fill(429)]);
    const retryAfter = Number(last!.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(500);
    expect(retryAfter).toBeLessThanOrEqual(600);
    // A is refused even with the right password while its block lasts.
    expect((await login(editor, ca, '127.0.0.1', PASSWORD)).status).toBe(429);

    const token = (JSON.parse(b.body) as { access_token: string }).access_token;
    const flows = await call(new URL('flows', editor).href, ca, '127.0.0.2', { headers: { authorization: `Bearer ${token}` } });
    expect(flows.status).toBe(200);
    // B's own wrong password is a plain failure, not a block.
    expect((await login(editor, ca, '127.0.0.2', 'nope')).status).toBe(403);
    expect(gateway!.output()).toContain('telltale editor: 10 failed logins from 127.0.0.1; its logins are refused for 600 s');
  });

  it('accepts the editor login form (urlencoded) from another address', async () => {
    const res = await call(new URL('auth/token', editor).href, ca, '127.0.0.3', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'node-red-editor', grant_type: 'password', scope: '*', username: 'admin', password: PASSWORD }).toString(),
    });
    expect(res.status, res.body).toBe(200);
  });
});
