/**
 * The editor's login limiter on a real node:http server (no Node-RED: what passes stands in for it with 200):
 * address keys, the block and its doubling, the forgetting of old addresses, and the credential check of an adminAuth.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuthVerifier, clientKey, loginLimiter, type LoginLimiter } from '../../gateway/host/login-limiter.ts';
import { hashPassword } from '../../gateway/host/security.ts';

const hash = hashPassword('right');
const adminAuth = { type: 'credentials', users: [{ username: 'admin', password: hash, permissions: '*' }] };

function post(port: number, from: string, body: object): Promise<{ status: number; retryAfter?: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/auth/token', method: 'POST', localAddress: from, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers['retry-after'] ? { retryAfter: String(res.headers['retry-after']) } : {}), text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('loginLimiter', () => {
  let clock = 1_000_000;
  let limiter: LoginLimiter;
  let server: Server;
  let port: number;
  const blocks: string[] = [];
  const passed: unknown[] = [];

  beforeAll(async () => {
    limiter = loginLimiter({ verify: adminAuthVerifier(adminAuth)!, maxFailures: 3, windowMs: 60_000, blockMs: 10_000, maxBlockMs: 30_000, maxClients: 3, now: () => clock, onBlock: (c, n, s) => blocks.push(`${c} ${n} ${s}`) });
    server = createServer((req, res) => limiter(req, res, () => {
      passed.push((req as { body?: unknown }).body);
      res.end('token');
    }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const wrong = { client_id: 'node-red-editor', grant_type: 'password', scope: '*', username: 'admin', password: 'wrong' };
  const right = { ...wrong, password: 'right' };

  it('keys each address on its own: IPv4, IPv4-mapped IPv6 as IPv4, IPv6 in one spelling (not by /64: a LAN shares one)', () => {
    expect(clientKey('192.168.1.7')).toBe('192.168.1.7');
    expect(clientKey('::ffff:10.0.0.2')).toBe('10.0.0.2');
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2:aaaa:0:0:1');
    expect(clientKey('2001:0db8:0001:0002:aaaa:0000:0000:0001')).toBe('2001:db8:1:2:aaaa:0:0:1');
    expect(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2:bbbb:cccc:dddd:eeee');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0:0:0:0:1');
    expect(clientKey('::1')).toBe('0:0:0:0:0:0:0:1');
  });

  it('answers wrong credentials like Node-RED, blocks the address after 3, doubles the block, and never blocks others', async () => {
    for (let i = 0; i < 3; i++) expect((await post(port, '127.0.0.1', wrong)).status).toBe(403);
    const blocked = await post(port, '127.0.0.1', right);
    expect(blocked).toMatchObject({ status: 429, retryAfter: '10' });
    expect(blocks).toEqual(['127.0.0.1 3 10']);
    expect((await post(port, '127.0.0.2', right)).status).toBe(200);
    expect(passed.at(-1)).toEqual(right); // Node-RED gets the parsed body

    clock += 10_001; // the block is over; three more failures block it for twice as long
    for (let i = 0; i < 3; i++) expect((await post(port, '127.0.0.1', wrong)).status).toBe(403);
    expect(await post(port, '127.0.0.1', right)).toMatchObject({ status: 429, retryAfter: '20' });
    clock += 20_001;
    for (let i = 0; i < 3; i++) await post(port, '127.0.0.1', wrong);
    expect(await post(port, '127.0.0.1', right)).toMatchObject({ status: 429, retryAfter: '30' }); // capped at maxBlockMs
    clock += 30_001;
    // A success clears the address.
    expect((await post(port, '127.0.0.1', right)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await post(port, '127.0.0.1', wrong)).status).toBe(403);
    expect((await post(port, '127.0.0.1', right)).status).toBe(200);
  });

  it('counts failures within the window only, and unknown names and missing fields as failures', async () => {
    clock += 3_600_000;
    await post(port, '127.0.0.3', { ...wrong, username: 'root' });
    await post(port, '127.0.0.3', { grant_type: 'password' });
    clock += 60_001; // both are out of the window
    expect((await post(port, '127.0.0.3', wrong)).status).toBe(403);
    expect((await post(port, '127.0.0.3', right)).status).toBe(200);
  });

  it('passes other routes and grants on untouched, and remembers at most maxClients addresses', async () => {
    expect((await post(port, '127.0.0.4', { grant_type: 'authorization_code', code: 'x' })).status).toBe(200);
    for (let i = 0; i < 3; i++) await post(port, '127.0.0.5', wrong);
    expect(limiter.retryAfter('127.0.0.5')).toBe(10);
    for (const a of ['127.0.0.6', '127.0.0.7', '127.0.0.8']) await post(port, a, wrong);
    // The oldest was dropped to stay within 3 addresses: 127.0.0.5 is not remembered any more.
    expect(limiter.retryAfter('127.0.0.5')).toBe(0);
  });

  it('checks an adminAuth with a list, one user, a users function or its own authenticate', async () => {
    const user = { username: 'admin', password: hash, permissions: '*' };
    for (const auth of [adminAuth, { type: 'credentials', users: user }, { type: 'credentials', users: async (n: string) => (n === 'admin' ? user : null) }, { type: 'credentials', authenticate: async (n: string, p: string) => (n === 'admin' && p === 'right' ? user : null) }]) {
      const verify = adminAuthVerifier(auth)!;
      expect(await verify('admin', 'right')).toBe(true);
      expect(await verify('admin', 'wrong')).toBe(false);
      expect(await verify('other', 'right')).toBe(false);
    }
    expect(adminAuthVerifier(undefined)).toBeUndefined();
    expect(adminAuthVerifier({ type: 'strategy' })).toBeUndefined();
  });
});
