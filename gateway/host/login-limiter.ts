/**
 * Editor login throttling per client address, in front of Node-RED's /auth/token.
 *
 * Node-RED 5 limits logins per *user name* (@node-red/editor-api lib/auth/strategies.js: more than 5 attempts for a
 * name in 10 minutes and every login as that name, the right password included, fails for the rest of the window).
 * With the user name `admin` anyone who reaches the editor could lock its admin out with six bad guesses. Here:
 *   - the credentials of a password grant are checked first (bcrypt, as Node-RED does); a wrong pair is answered
 *     here exactly as Node-RED answers it (403 invalid_grant) and never reaches Node-RED, so its per-name counter
 *     only ever sees logins that succeed, which clear it: the per-name lockout cannot be triggered any more;
 *   - failures are counted per client address: after `maxFailures` within
 *     `windowMs` that address gets 429 with Retry-After for `blockMs`, doubling with each further block up to
 *     `maxBlockMs`; other addresses log in as usual. A successful login clears its address.
 * Behind a reverse proxy every client has the proxy's address (X-Forwarded-For is not trusted: anyone could set it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import bcrypt from 'bcryptjs';

export interface LoginLimiterOptions {
  /** true when the user name and password are right (the adminAuth's users). */
  verify: (username: string, password: string) => Promise<boolean>;
  /** Failed logins from one address within windowMs before it is refused. Default 10. */
  maxFailures?: number;
  /** Default 10 minutes. */
  windowMs?: number;
  /** First refusal period; doubles with each block in a row. Default 10 minutes. */
  blockMs?: number;
  /** Longest refusal period. Default 6 hours. */
  maxBlockMs?: number;
  /** Addresses remembered at most (oldest dropped first). Default 10,000. */
  maxClients?: number;
  /** Told when an address starts being refused. */
  onBlock?: (client: string, failures: number, seconds: number) => void;
  now?: () => number;
}

interface ClientState {
  failures: number[];
  blockedUntil: number;
  /** Blocks in a row: the next one lasts blockMs · 2^strikes. */
  strikes: number;
  last: number;
}

type Next = (err?: unknown) => void;
type Req = IncomingMessage & { body?: unknown; _body?: boolean };

const MAX_BODY = 64 * 1024;
const TOKEN_PATH = /^\/auth\/token\/?$/i;
/** Forgets an address's past blocks after a day without failures. */
const STRIKE_MEMORY_MS = 24 * 3600_000;

/**
 * The key an address is counted under: the address itself, IPv4-mapped IPv6 as IPv4, IPv6 in one spelling. Not the
 * /64 of IPv6: on a plant LAN every host shares one /64, and keying by it would let one host block them all (a host
 * that rotates its own IPv6 addresses gets more guesses instead, each costing a bcrypt comparison).
 */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const a = address.toLowerCase().replace(/%.*$/, '');
  if (a.startsWith('::ffff:') && isIP(a.slice(7)) === 4) return a.slice(7);
  if (isIP(a) !== 6) return a;
  const [head, tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = a.includes('::') && tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}

function readBody(req: Req): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error('request body too large'), { status: 413 }));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(text: string, contentType: string | undefined): Record<string, unknown> {
  if (/\bjson\b/i.test(contentType ?? '')) {
    try {
      const v = JSON.parse(text) as unknown;
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

const send = (res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
};

export interface LoginLimiter {
  /** Node-RED httpAdminMiddleware (Express-compatible: req, res, next). */
  (req: Req, res: ServerResponse, next: Next): void;
  /** Seconds an address is still refused, 0 when it is not. */
  retryAfter(address: string): number;
}

export function loginLimiter(opts: LoginLimiterOptions): LoginLimiter {
  const maxFailures = opts.maxFailures ?? 10;
  const windowMs = opts.windowMs ?? 600_000;
  const blockMs = opts.blockMs ?? 600_000;
  const maxBlockMs = opts.maxBlockMs ?? 6 * 3600_000;
  const maxClients = opts.maxClients ?? 10_000;
  const now = opts.now ?? Date.now;
  const clients = new Map<string, ClientState>();

  const retryAfterKey = (key: string, t: number) => {
    const s = clients.get(key);
    return s && s.blockedUntil > t ? Math.ceil((s.blockedUntil - t) / 1000) : 0;
  };
  const prune = (t: number) => {
    if (clients.size < maxClients) return;
    for (const [k, s] of clients) if (s.blockedUntil <= t && s.last < t - Math.max(windowMs, STRIKE_MEMORY_MS)) clients.delete(k);
    for (const k of clients.keys()) {
      if (clients.size < maxClients) break;
      clients.delete(k); // the oldest first (insertion order)
    }
  };
  const fail = (key: string, t: number) => {
    let s = clients.get(key);
    if (s && s.last < t - STRIKE_MEMORY_MS) s.strikes = 0;
    if (!s) {
      prune(t);
      s = { failures: [], blockedUntil: 0, strikes: 0, last: t };
      clients.set(key, s);
    }
    s.last = t;
    s.failures = s.failures.filter((f) => f > t - windowMs);
    s.failures.push(t);
    if (s.failures.length >= maxFailures) {
      const ms = Math.min(blockMs * 2 ** s.strikes, maxBlockMs);
      s.blockedUntil = t + ms;
      s.strikes += 1;
      opts.onBlock?.(key, s.failures.length, Math.ceil(ms / 1000));
      s.failures = [];
    }
  };

  const middleware = ((req: Req, res: ServerResponse, next: Next) => {
    // As Express routes it: any letter case, with or without a trailing slash (else /AUTH/TOKEN would get past).
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || !TOKEN_PATH.test(path)) return next();
    const key = clientKey(req.socket.remoteAddress);
    const wait = retryAfterKey(key, now());
    if (wait > 0) {
      req.resume(); // drain the body: the connection stays usable
      return send(res, 429, { error: 'too_many_attempts', error_description: `Too many failed logins from this address; try again in ${wait} s` }, { 'retry-after': String(wait) });
    }
    readBody(req).then(async (text) => {
      const body = parseBody(text, req.headers['content-type']);
      // Node-RED's body parsers skip a request that already has its body.
      req.body = body;
      req._body = true;
      if (body.grant_type !== 'password') return next();
      const { username, password } = body;
      const ok = typeof username === 'string' && typeof password === 'string' && await opts.verify(username, password);
      const t = now();
      if (ok) {
        clients.delete(key);
        return next();
      }
      // Missing fields too: Node-RED would count them against the name as well.
      fail(key, t);
      send(res, 403, { error: 'invalid_grant', error_description: 'Invalid resource owner credentials' });
    }).catch((err: Error & { status?: number }) => {
      if (err.status === 413) send(res, 413, { error: 'invalid_request', error_description: err.message });
      else next(err);
    });
  }) as LoginLimiter;
  middleware.retryAfter = (address: string) => retryAfterKey(clientKey(address), now());
  return middleware;
}

/** A bcrypt hash no password matches, compared against for unknown names so they take as long as known ones. */
const DUMMY_HASH = '$2b$10$X1bbl.rfiaJmasCdsgjFEOF9CUyxa8zCUCr545HvaUx8vFIhZF1Ju';

type AdminUser = { username?: unknown; password?: unknown };
type AdminAuth = { type?: unknown; users?: unknown; authenticate?: unknown };

/**
 * The credential check of a Node-RED `adminAuth` of type credentials: its `authenticate(username, password)` when
 * it has one, else its `users` (a list, one user, or a function of the name) with bcrypt-hashed passwords.
 * undefined for any other adminAuth (no login form to protect).
 */
export function adminAuthVerifier(adminAuth: unknown): ((username: string, password: string) => Promise<boolean>) | undefined {
  const auth = adminAuth as AdminAuth | undefined;
  if (!auth || auth.type !== 'credentials') return undefined;
  if (typeof auth.authenticate === 'function') {
    const authenticate = auth.authenticate as (u: string, p: string) => unknown;
    return async (u, p) => Boolean(await authenticate(u, p));
  }
  const users = auth.users;
  const find = async (name: string): Promise<AdminUser | undefined> => {
    if (typeof users === 'function') return (await (users as (n: string) => unknown)(name)) as AdminUser | undefined;
    const list = (Array.isArray(users) ? users : users ? [users] : []) as AdminUser[];
    return list.find((x) => x.username === name);
  };
  return async (u, p) => {
    const user = await find(u);
    const hash = typeof user?.password === 'string' ? user.password : DUMMY_HASH;
    const match = await bcrypt.compare(p, hash).catch(() => false);
    return match && user !== undefined;
  };
}
