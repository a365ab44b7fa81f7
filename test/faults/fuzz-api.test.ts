/**
 * Hostile input against the HTTP API. Every route the app has (enumerated from the app: its onRoute hook in
 * process, its OpenAPI document over HTTP) gets random paths, methods, headers (huge and malformed Authorization,
 * content-type and charset oddities) and bodies (random bytes, deep JSON, huge JSON up to and over the body
 * limit). The app is built with real parts: a device registry, the latest-state store, a model store with a signed
 * version installed, and the real InfluxDB writer and MQTT uplink pointed at closed ports with credentials in
 * their URLs (so their connection errors, with the URL in them, are there to leak). Every reply must be a 2xx or
 * a 4xx with a JSON error body — never a 5xx — and show no stack frame, no absolute path and no secret; the app
 * must still answer /healthz afterwards. Then a shorter run of the same against `telltale start` over real HTTP.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildApp } from '../../gateway/api/app.ts';
import { LatestState } from '../../gateway/api/latest-state.ts';
import { validateConfig } from '../../gateway/config/load.ts';
import { ModelLifecycle } from '../../gateway/models/lifecycle/index.ts';
import { storeAndForward, type StoreAndForward } from '../../gateway/outputs/store-and-forward.ts';
import { DeviceRegistry } from '../../gateway/runtime/registry.ts';
import { fixedInput } from '../api/fixtures.ts';
import { INPUTS, bundle, keys } from '../models/lifecycle/bundles.ts';
import { freePort } from '../support/ports.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';
import { findInternals, findLeaks } from '../support/leaks.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const TOKEN = 'fuzz-api-token-7d1c9a';
const SECRETS = {
  TELLTALE_API_TOKENS: TOKEN,
  'tsdb url password': 'fuzz-influx-pw-4e2b8c',
  'uplink url password': 'fuzz-mqtt-pw-91af3d',
  'device endpoint password': 'fuzz-opcua-pw-0c55e7',
};
const BODY_LIMIT = 1024 * 1024; // Fastify's default, which buildApp keeps

/** Case counts per kind, printed at the end for the report. */
const counts = new Map<string, number>();
const count = (kind: string) => counts.set(kind, (counts.get(kind) ?? 0) + 1);

interface Route { method: string; url: string }

// ---- generators -----------------------------------------------------------------------------------------------

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** A route's URL with its parameters filled by hostile segments, sometimes mangled further. */
const segment = fc.oneof(
  fc.constantFrom('pump-1', 'pump1', 'pump-v1', '..', '.', '%2e%2e', '%00', '%', '%zz', '%ff%fe', 'a'.repeat(5000), '🙂', '<script>', "' OR 1=1 --", '__proto__', 'constructor', ''),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9_.:-]{1,30}$/),
);
const query = fc.oneof(
  fc.constant(''),
  fc.constantFrom('?state=open', '?state=maybe', '?limit=0', '?limit=1e9', '?limit=-1', '?since=abc', '?since=1&since=2', '?asset=', '?x=1&x=2&x=3', '?%zz=1', '?a[b][c]=1', '?__proto__[x]=1', '?limit=1&extra=1'),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 4 }).map((d) => `?${new URLSearchParams(d).toString()}`),
);
function pathFor(route: Route) {
  return fc.tuple(fc.array(segment, { minLength: 2, maxLength: 2 }), query, fc.constantFrom('', '/', '//', '/extra', '/..', '/%2e%2e/%2e%2e/etc/passwd', '?', '#frag'))
    .map(([[a, b], q, tail]) => route.url.replace(':id', a).replace('*', b) + tail + q);
}
/** A path of no route, or a near miss of one. */
const randomPath = fc.oneof(
  fc.array(segment, { maxLength: 6 }).map((s) => `/${s.join('/')}`),
  fc.constantFrom('/api/v1', '/api/v1/', '/api/v2/devices', '/HEALTHZ', '/healthz/', '/healthz/..', '/docs/static/../../../package.json', '/docs/static/%2e%2e/%2e%2e/package.json', '//healthz', '/metrics?format=json', '/api/v1/models/../../healthz'),
);

// Weighted so that a good share of requests is valid but for one thing (or entirely): those reach the handlers.
const authorization = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: fc.constant(`Bearer ${TOKEN}`) },
  fc.constantFrom('Bearer', 'Bearer ', 'Bearer  ', 'bearer x y', 'Basic dXNlcjpwdw==', 'Token abc', 'Bearer \t', `Bearer ${TOKEN} extra`, `Bearer ${TOKEN.toUpperCase()}`, `bEaReR ${TOKEN}`, '\u0000', 'Bearer 🙂', `Bearer ${TOKEN}\u0000`),
  fc.string({ maxLength: 100 }).map((s) => `Bearer ${s}`),
  fc.integer({ min: 1, max: 64 }).map((kb) => `Bearer ${'A'.repeat(kb * 1024)}`),
  fc.string({ unit: 'binary', maxLength: 200 }).map((s) => s.replace(/[\r\n]/g, '')),
);
const contentType = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  fc.constantFrom(
    'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/json; charset=latin1',
    'application/json; charset=klingon', 'application/json;;;', 'APPLICATION/JSON', 'application/json, text/plain', 'text/plain',
    'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data', 'multipart/form-data; boundary=', 'application/octet-stream',
    'application/xml', '*/*', '', ';', 'application/vnd.api+json', 'application/json; boundary=x; charset="utf-8"',
  ),
  fc.string({ maxLength: 60 }),
);
const extraHeaders = fc.oneof(fc.constant({} as Record<string, string>), fc.dictionary(
  fc.constantFrom('accept', 'accept-charset', 'accept-encoding', 'content-encoding', 'transfer-encoding', 'x-forwarded-for', 'x-forwarded-host', 'host', 'origin', 'cookie', 'if-none-match', 'range', 'expect'),
  fc.oneof(fc.constantFrom('gzip', 'deflate, br', 'chunked', 'identity', '*/*', 'bytes=0-10', 'bytes=9999999-', '100-continue', 'x'.repeat(8000)), fc.string({ maxLength: 50 }).map((s) => s.replace(/[\r\n\0]/g, ''))),
  { maxKeys: 3 },
));

/** JSON nested `depth` levels deep, as text (arrays or objects). */
const deepJson = (depth: number, kind: 'array' | 'object') => (kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
/** A JSON text of about `bytes` bytes: the upload body shape with a big file, or a flat big array. */
const hugeJson = (bytes: number, shape: 'upload' | 'array' | 'string') => {
  if (shape === 'upload') return JSON.stringify({ files: { 'pump.manifest.json': Buffer.alloc(Math.floor((bytes - 60) * 0.75)).toString('base64') }, activate: true });
  if (shape === 'array') return `[${Array.from({ length: Math.floor(bytes / 2) - 1 }, () => '1').join(',')}]`;
  return JSON.stringify('x'.repeat(bytes - 2));
};
const body = fc.oneof(
  { weight: 5, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((b) => ({ kind: 'random bytes', payload: Buffer.from(b) })) },
  { weight: 3, arbitrary: fc.json({ maxDepth: 6 }).map((j) => ({ kind: 'random JSON', payload: j })) },
  { weight: 2, arbitrary: fc.record({ files: fc.dictionary(fc.string({ maxLength: 30 }), fc.oneof(fc.base64String({ maxLength: 200 }), fc.string({ maxLength: 50 }), fc.integer())), activate: fc.oneof(fc.boolean(), fc.string()) }, { requiredKeys: [] }).map((o) => ({ kind: 'upload-shaped JSON', payload: JSON.stringify(o) })) },
  { weight: 2, arbitrary: fc.record({ shadowRows: fc.oneof(fc.integer(), fc.double(), fc.string()), minAgreement: fc.oneof(fc.double(), fc.constant('NaN'), fc.constant(null)) }, { requiredKeys: [] }).map((o) => ({ kind: 'activate-shaped JSON', payload: JSON.stringify(o) })) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 100, max: 200_000 }), fc.constantFrom('array' as const, 'object' as const)).map(([d, k]) => ({ kind: 'deep JSON', payload: deepJson(d, k) })) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: BODY_LIMIT - 4096, max: BODY_LIMIT + 4096 }), fc.constantFrom('upload' as const, 'array' as const, 'string' as const)).map(([n, s]) => ({ kind: 'huge JSON (near the body limit)', payload: hugeJson(n, s) })) },
  { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '{"files":{"__proto__":"AA=="}}', 'null', 'true', '"x"', '1e999', '{"a":1,"a":2}', '\uFEFF{}', '{', '[1,]', 'NaN').map((p) => ({ kind: 'JSON edge cases', payload: p })) },
);

interface Case { method: string; url: string; headers: Record<string, string>; payload?: string | Buffer; kinds: string[] }

function caseFor(routes: Route[]) {
  const target = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...routes).chain((r) => fc.tuple(fc.oneof({ weight: 3, arbitrary: fc.constant(r.method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }), fc.oneof({ weight: 1, arbitrary: fc.constant(r.url.replace(':id', 'pump-v1').replace('*', 'index.html')) }, { weight: 2, arbitrary: pathFor(r) })).map(([m, u]) => ({ method: m, url: u, kinds: [`route ${r.method} ${r.url}`] }))) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...METHODS), randomPath).map(([m, u]) => ({ method: m, url: u, kinds: ['random path'] })) },
  );
  return fc.tuple(target, authorization, contentType, extraHeaders, body).map(([t, auth, ct, extra, b]): Case => {
    const headers: Record<string, string> = { ...extra };
    const kinds = [...t.kinds];
    if (auth !== undefined) {
      headers.authorization = auth;
      kinds.push(auth === `Bearer ${TOKEN}` ? 'valid token' : auth.length > 1024 ? 'huge Authorization' : 'malformed or unknown Authorization');
    } else kinds.push('no Authorization');
    if (ct !== undefined) {
      headers['content-type'] = ct;
      kinds.push('content-type variant');
    }
    if (Object.keys(extra).length) kinds.push('odd extra headers');
    // A GET/HEAD with a body is legal HTTP and light-my-request sends it; keep it.
    if (b) kinds.push(`body: ${b.kind}`);
    // transfer-encoding/content-length are the transport's; light-my-request sets them itself
    delete headers['transfer-encoding'];
    return { method: t.method, url: t.url, headers, ...(b ? { payload: b.payload } : {}), kinds };
  });
}

// ---- the checks -----------------------------------------------------------------------------------------------

function describeCase(c: Case): string {
  const h = Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k, v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v]));
  const p = c.payload === undefined ? '' : ` body ${c.payload.length} bytes ${JSON.stringify(String(c.payload).slice(0, 80))}`;
  return `${c.method} ${c.url.slice(0, 120)} ${JSON.stringify(h)}${p}`;
}

/**
 * The 503s the API means: /readyz while something is down (its body says which check, not an error), and the
 * coded "not available" errors. Any other 5xx is a failure.
 */
const DESIGNED_503 = new Set(['TELLTALE_ERR_MODELS_DISABLED', 'TELLTALE_ERR_SHUTTING_DOWN']);
function designed503(c: Case, status: number, text: string): boolean {
  if (status !== 503) return false;
  const path = c.url.split(/[?#]/)[0];
  if (path === '/readyz') return c.method === 'HEAD' || /^\{"ready":false,"checks":\[/.test(text);
  try {
    return DESIGNED_503.has(String((JSON.parse(text) as { code?: unknown }).code));
  } catch {
    return false;
  }
}

/** What must hold of every reply; returns the problems (empty: fine). */
function problemsOf(c: Case, status: number, headers: Record<string, unknown>, text: string, internalPaths: readonly string[]): string[] {
  const problems: string[] = [];
  const readiness = status === 503 && designed503(c, status, text) && !/"code"/.test(text);
  if (status >= 500 && !designed503(c, status, text)) problems.push(`status ${status}`);
  if (status < 200 || (status >= 300 && status < 400 && !headers.location)) problems.push(`status ${status}`);
  if (status >= 400 && c.method !== 'HEAD' && !readiness) {
    if (!/^application\/json/.test(String(headers['content-type'] ?? ''))) problems.push(`error reply content-type ${String(headers['content-type'])}`);
    let parsed: { statusCode?: unknown; code?: unknown; message?: unknown } | undefined;
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      problems.push('error reply is not JSON');
    }
    if (parsed && (parsed.statusCode !== status || typeof parsed.code !== 'string' || typeof parsed.message !== 'string')) problems.push(`error body without statusCode/code/message: ${text.slice(0, 200)}`);
  }
  problems.push(...findInternals(text, internalPaths), ...findLeaks(text, SECRETS));
  // the reply headers too (a location, a www-authenticate)
  problems.push(...findLeaks(JSON.stringify(headers), SECRETS));
  return problems;
}

/** Runs the property; a failure is reported with the case shortened (fast-check would print megabytes of headers). */
async function check(arb: fc.Arbitrary<Case>, runs: number, fn: (c: Case) => Promise<void>): Promise<void> {
  const out = await fc.check(fc.asyncProperty(arb, fn), { numRuns: runs, endOnFailure: true });
  if (out.failed) {
    const c = out.counterexample?.[0];
    throw new Error(`failed after ${out.numRuns} cases (seed ${out.seed}): ${c ? describeCase(c) : 'no case'}\n${String((out.errorInstance as Error | undefined)?.message ?? out.errorInstance).slice(0, 2000)}`);
  }
}

async function injectCase(app: FastifyInstance, c: Case): Promise<LightMyRequestResponse> {
  return app.inject({ method: c.method as 'GET', url: c.url, headers: c.headers, ...(c.payload === undefined ? {} : { payload: c.payload }) });
}

// ---- in process -----------------------------------------------------------------------------------------------

describe('API hostile input (app.inject, real parts)', () => {
  const root = mkdtempSync(join(tmpdir(), 'telltale-fuzz-api-'));
  const routes: Route[] = [];
  let app: FastifyInstance;
  let outputs: StoreAndForward;
  let store: ModelLifecycle;

  beforeAll(async () => {
    const [influxPort, mqttPort] = [await freePort(), await freePort()]; // closed: both outputs fail and say why
    const cfg = validateConfig({
      gateway: { dataDir: join(root, 'data') },
      devices: [],
      tsdb: { url: `http://fuzz:${SECRETS['tsdb url password']}@127.0.0.1:${influxPort}/plant` },
      uplink: { url: `mqtt://fuzz:${SECRETS['uplink url password']}@127.0.0.1:${mqttPort}` },
    });
    outputs = storeAndForward({ gateway: { id: 'fuzz', site: 'lab', dataDir: join(root, 'data') }, tsdb: cfg.tsdb!, uplink: cfg.uplink! });
    outputs.start().catch(() => undefined);
    const k = await keys(root);
    store = new ModelLifecycle({ dir: join(root, 'models'), publicKey: k.publicKey, expectInputs: () => ({ asset: 'pump1', inputs: INPUTS }) });
    await store.open();
    await store.activate(await store.install(await bundle(root, 'pump', { privateKey: k.privateKey })));
    const registry = new DeviceRegistry();
    registry.register(fixedInput({ id: 'pump-1', protocol: 'modbus-tcp', state: 'connected', connected: true, samples: 10, errors: 0, reconnects: 0, requests: 3 }));
    registry.register(fixedInput({ id: 'plc-2', protocol: 'opcua', state: 'backoff', connected: false, samples: 0, errors: 4, reconnects: 1, requests: 0, lastError: `OPC UA device plc-2 (opc.tcp://op:${SECRETS['device endpoint password']}@10.20.30.40:4840): BadUserAccessDenied` }));
    const latest = new LatestState();
    latest.update({ asset: 'pump1', ts: Date.now(), features: { 'vibration.rms': 1.2 }, score: 0.3, threshold: 1, state: 'normal' });
    latest.alert({ id: 'a1', asset: 'pump1', ts: Date.now(), kind: 'open', severity: 'major', score: 1.5, message: 'bearing' });
    app = buildApp({ registry, tokens: [TOKEN], latest, models: store, tsdb: outputs.tsdb!, uplink: outputs.uplink! });
    app.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) routes.push({ method, url: r.url });
    });
    await app.ready();
    // both outputs have failed at least once, so their lastError (with the URL in it) is there to leak
    await waitFor(() => outputs.uplink!.status().lastError && outputs.tsdb!.metrics().lastError, 20_000, 'both outputs to report their connection error');
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await outputs?.stop();
    rmSync(root, { recursive: true, force: true });
    console.log(`fuzz-api in process: ${[...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}: ${n}`).join('; ')}`);
  });

  it('enumerates the routes from the app itself', () => {
    const urls = new Set(routes.map((r) => r.url));
    for (const u of ['/healthz', '/readyz', '/metrics', '/api/v1/devices', '/api/v1/assets/:id', '/api/v1/alerts', '/api/v1/models', '/api/v1/models/:id/activate', '/api/v1/models/rollback', '/docs/json']) expect(urls).toContain(u);
  });

  it('the leak detector finds what it is meant to find (the test can fail)', () => {
    expect(findLeaks(`x ${Buffer.from(`u:${SECRETS['tsdb url password']}`).toString('base64')} y`, SECRETS)).not.toEqual([]);
    expect(findLeaks(`x ${encodeURIComponent(`p=${SECRETS['uplink url password']}`)} y`, SECRETS)).not.toEqual([]);
    expect(findInternals(`Error: x\n    at foo (${repo}/gateway/x.ts:1:2)`, [repo])).toHaveLength(2);
  });

  it('answers every hostile request with a 2xx or a JSON 4xx, without internals or secrets, and keeps answering', async () => {
    const internal = [repo, root];
    await check(caseFor(routes), Number(process.env.FUZZ_API_RUNS ?? 3000), async (c) => {
      const res = await injectCase(app, c);
      for (const k of c.kinds) count(k);
      count(designed503(c, res.statusCode, res.body) ? 'status 503 (readiness, by design)' : `status ${Math.floor(res.statusCode / 100)}xx`);
      const problems = problemsOf(c, res.statusCode, res.headers, res.body, internal);
      if (problems.length) throw new Error(`${problems.join('; ')}\n  reply ${res.statusCode} ${res.body.slice(0, 300)}`);
    });
    const alive = await app.inject({ method: 'GET', url: '/healthz' });
    expect(alive.statusCode).toBe(200);
    expect(alive.json().status).toBe('ok');
  }, 300_000);

  it('serves no secret on any route, with and without the token (every route once, systematically)', async () => {
    for (const r of routes) {
      for (const auth of [undefined, `Bearer ${TOKEN}`, 'Bearer wrong']) {
        const c: Case = { method: r.method, url: r.url.replace(':id', 'pump-v1').replace('*', 'index.html'), headers: auth ? { authorization: auth } : {}, kinds: ['systematic'] };
        const res = await injectCase(app, c);
        count('systematic route × token');
        const problems = problemsOf(c, res.statusCode, res.headers, res.body, [repo, root]);
        expect(problems, describeCase(c)).toEqual([]);
      }
    }
  });
});

// ---- over HTTP against `telltale start` -----------------------------------------------------------------------

/** One raw HTTP request (node:http keeps odd methods, paths and headers as given); resolves with what came back. */
function rawRequest(port: number, c: Case): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    // a request line carries no raw space, control or non-ASCII character: those go percent-encoded, as a client sends them
    const path = c.url.replace(/#.*$/, '').replace(/[^\x21-\x7e]/gu, (ch) => encodeURIComponent(ch)) || '/';
    const req = request({ host: '127.0.0.1', port, method: c.method, path, headers: c.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(c.payload);
  });
}

describe('API hostile input over HTTP (telltale start)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-fuzz-api-http-'));
  let gw: Spawned;
  let port: number;
  const routes: Route[] = [];

  beforeAll(async () => {
    port = await freePort();
    const k = await keys(dir);
    writeFileSync(join(dir, 'gateway.yaml'), stringify({
      gateway: { id: 'fuzz-http', dataDir: join(dir, 'data') },
      api: { port },
      models: { publicKey: k.publicKeyPath },
      editor: { enabled: false },
      devices: [],
      tsdb: { url: `http://fuzz:${SECRETS['tsdb url password']}@127.0.0.1:${await freePort()}/plant` },
      uplink: { url: `mqtt://fuzz:${SECRETS['uplink url password']}@127.0.0.1:${await freePort()}` },
    }));
    gw = spawnPeer(join(repo, 'node_modules/.bin/node'), ['bin/telltale.js', 'start', '--config', join(dir, 'gateway.yaml')], {
      cwd: repo, env: { ...process.env, ORT_DISABLE_TELEMETRY: '1', TELLTALE_API_TOKENS: TOKEN, TELLTALE_INFLUX_URL: '', TELLTALE_MQTT_URL: '' },
    });
    await waitFor(() => /Press Ctrl\+C to stop/.test(gw.output()), 60_000, () => `the gateway to start (output:\n${gw.output()})`);
    // the routes as the running gateway documents them
    const doc = (await (await fetch(`http://127.0.0.1:${port}/docs/json`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { paths: Record<string, Record<string, unknown>> };
    for (const [path, ops] of Object.entries(doc.paths)) for (const m of Object.keys(ops)) routes.push({ method: m.toUpperCase(), url: path.replace(/\{(\w+)\}/g, ':$1') });
    routes.push({ method: 'GET', url: '/docs/json' }, { method: 'GET', url: '/docs/static/*' });
  }, 90_000);
  afterAll(async () => {
    await gw?.stop(20_000);
    rmSync(dir, { recursive: true, force: true });
    console.log(`fuzz-api over HTTP: ${routes.length} routes from /docs/json; ${[...counts].filter(([k]) => k.startsWith('http ')).map(([k, n]) => `${k}: ${n}`).join('; ')}`);
  });

  it('answers every hostile request over HTTP with a 2xx or a JSON 4xx, without internals or secrets, and keeps answering', async () => {
    expect(routes.length).toBeGreaterThanOrEqual(9);
    const internal = [repo, dir];
    await check(caseFor(routes), Number(process.env.FUZZ_API_HTTP_RUNS ?? 600), async (c) => {
      // node:http refuses header values with control characters and methods it does not know before sending
      if (Object.values(c.headers).some((v) => /[^\t\x20-\x7e\x80-\xff]/.test(v))) return;
      let res;
      try {
        res = await rawRequest(port, c);
      } catch (e) {
        // the server may close a connection on a request it cannot parse; what matters is that it still answers
        count('http connection closed by the server');
        // (a refused HEAD gets the coded error with a body its client does not expect: HPE_CLOSED_CONNECTION)
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (!['ECONNRESET', 'EPIPE'].includes(code) && !(c.method === 'HEAD' && code.startsWith('HPE_'))) throw e;
        return;
      }
      count(designed503(c, res.status, res.text) ? 'http status 503 (readiness, by design)' : `http status ${Math.floor(res.status / 100)}xx`);
      count('http cases');
      // a header line over Node's limit (16 KiB) is refused by the HTTP parser with a bare 431 before Fastify
      if (res.status === 431) return;
      const problems = problemsOf(c, res.status, res.headers, res.text, internal);
      if (problems.length) throw new Error(`${problems.join('; ')}\n  reply ${res.status} ${res.text.slice(0, 300)}`);
    });
    const alive = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(alive.status).toBe(200);
    expect(gw.child.exitCode).toBeNull();
    expect(findLeaks(gw.output(), SECRETS)).toEqual([]);
  }, 300_000);
});
