/**
 * No secret leaves `telltale start` (the built CLI), whatever path it could take. Credentials sit in every URL —
 * tsdb.url with user:password against a real influxd with authentication on, uplink.url with user:password
 * against a real Mosquitto with a password file, an OPC UA endpoint with user-info — and every secret variable
 * holds a distinctive canary. Collected and searched (as is, URL-, JSON-, hex- and base64-encoded): every line the
 * process prints (stdout + stderr), every API reply (each route of its OpenAPI document with no, a wrong and a
 * valid token, and error replies), what it stored in InfluxDB (samples, health points, model audit trail), what it
 * sent upstream over MQTT, and `config print` / `config check` of the same file. Run twice: with the right
 * passwords (everything connects) and with wrong ones (the authentication failures are the error paths).
 */
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { hashPassword } from '../../gateway/host/security.ts';
import { startSimulator, type Simulator } from '../../gateway/simulator/index.ts';
import { bundle, keys } from '../models/lifecycle/bundles.ts';
import { startInfluxd, type Influxd } from '../support/influxd.ts';
import { findInternals, findLeaks } from '../support/leaks.ts';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { freePort } from '../support/ports.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const node = join(repo, 'node_modules/.bin/node');

const INFLUX = { user: 'telltale', password: 'cnry-influx-pw-7Q2xv9' };
const MQTT = { user: 'gateway', password: 'cnry-mqtt-pw-K4m8Zt' };
const TOKENS = ['cnry-api-token-1-a3F9qL', 'cnry-api-token-2-Wd71pX'];
const FILE_TOKEN = 'cnry-file-token-Yb05rS';
/** The canaries; each run adds its own (wrong passwords, the editor password hash). */
const CANARIES: Record<string, string> = {
  'tsdb url password': INFLUX.password,
  'uplink url password': MQTT.password,
  'API token 1': TOKENS[0],
  'API token 2': TOKENS[1],
  'API token from TELLTALE_API_TOKENS_FILE': FILE_TOKEN,
  TELLTALE_EDITOR_PASSWORD: 'cnry-editor-pw-Hv3s8N',
  TELLTALE_CREDENTIAL_SECRET: 'cnry-credential-secret-Pq6tC1',
  TELLTALE_DEVICE_PLC_9_PASSWORD: 'cnry-opcua-pw-Jm2e5R',
  TELLTALE_OPCUA_PASSWORD: 'cnry-probe-pw-Uz8k0D',
  'OPC UA endpoint url password': 'cnry-opcua-url-pw-Ge4n7B',
};

interface RunResult {
  output: string;
  replies: string;
  stored: string;
  upstream: string;
  cli: string;
  ready: { ready: boolean; checks: { name: string; ok: boolean; detail?: string }[] };
}

describe('telltale start never prints or serves a secret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-start-secrets-'));
  let influx: Influxd;
  let broker: Mosquitto;
  let sim: Simulator;
  let k: Awaited<ReturnType<typeof keys>>;
  let gw: Spawned | undefined;
  let sub: mqtt.MqttClient;
  const upstream: string[] = [];

  beforeAll(async () => {
    const passwd = join(dir, 'mosquitto.passwd');
    writeFileSync(passwd, '');
    chmodSync(passwd, 0o600);
    execFileSync('/usr/bin/mosquitto_passwd', ['-b', passwd, MQTT.user, MQTT.password]);
    [influx, broker, sim, k] = await Promise.all([
      startInfluxd({ auth: { username: INFLUX.user, password: INFLUX.password } }),
      startMosquitto({ allowAnonymous: false, extraConfig: `password_file ${passwd}` }),
      startSimulator({ host: '127.0.0.1' }),
      keys(dir),
    ]);
    writeFileSync(join(dir, 'tokens'), `# canary\n${FILE_TOKEN}\n`);
    // the cloud side: everything the gateway sends upstream, whatever the topic
    sub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'secrets-cloud', username: MQTT.user, password: MQTT.password });
    sub.on('message', (topic, payload) => upstream.push(`${topic} ${payload.toString('utf8')}`));
    await sub.subscribeAsync('#', { qos: 1 });
  }, 90_000);
  afterAll(async () => {
    await gw?.stop(20_000);
    await sub?.endAsync();
    await Promise.allSettled([sim?.close(), influx?.dispose(), broker?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** gateway.yaml with these URL passwords (the OPC UA device has user-info in its endpoint and a password over None). */
  async function writeConfig(name: string, influxPassword: string, mqttPassword: string): Promise<string> {
    const opcuaPort = await freePort(); // nothing listens: the device keeps failing, with its endpoint in the error
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify({
      gateway: { id: `gw-${name}`, site: 'secrets', dataDir: join(dir, name), healthIntervalS: 1 },
      api: { port: 0 },
      editor: { port: 0 },
      models: { publicKey: k.publicKeyPath },
      devices: [
        ...sim.devices({ deviceId: 'station', pollIntervalMs: 200 }),
        {
          protocol: 'opcua', id: 'plc-9', username: 'operator',
          endpoint: `opc.tcp://opuser:${CANARIES['OPC UA endpoint url password']}@127.0.0.1:${opcuaPort}/UA`,
          backoff: { initialMs: 200, maxMs: 1000 },
          tags: [{ name: 'speed', nodeId: 'ns=1;s=speed' }],
        },
      ],
      tsdb: { url: `http://${INFLUX.user}:${encodeURIComponent(influxPassword)}@127.0.0.1:${influx.port}/plant`, flushIntervalMs: 300 },
      uplink: { url: `mqtt://${MQTT.user}:${encodeURIComponent(mqttPassword)}@127.0.0.1:${broker.port}`, summaryPeriodMs: 1000 },
    }));
    return file;
  }

  /**
   * The gateway's environment: every secret variable a canary. TELLTALE_INFLUX_* / TELLTALE_MQTT_* are left out, not
   * set to '': the InfluxDB writer takes an empty TELLTALE_INFLUX_PASSWORD for a password (gateway/outputs/influx).
   */
  const env = (extra: Record<string, string>) => ({
    ...Object.fromEntries(Object.entries(process.env).filter(([n]) => !/^TELLTALE_(INFLUX|MQTT)_/.test(n))), ORT_DISABLE_TELEMETRY: '1',
    TELLTALE_API_TOKENS: TOKENS.join(','), TELLTALE_API_TOKENS_FILE: join(dir, 'tokens'),
    TELLTALE_EDITOR_PASSWORD: CANARIES.TELLTALE_EDITOR_PASSWORD,
    TELLTALE_CREDENTIAL_SECRET: CANARIES.TELLTALE_CREDENTIAL_SECRET,
    TELLTALE_DEVICE_PLC_9_PASSWORD: CANARIES.TELLTALE_DEVICE_PLC_9_PASSWORD,
    TELLTALE_OPCUA_PASSWORD: CANARIES.TELLTALE_OPCUA_PASSWORD,
    ...extra,
  });

  /** Every route of the OpenAPI document with no, a wrong and a valid token, plus error replies; all as one text. */
  let replyCount = 0;
  async function collectReplies(api: string): Promise<string> {
    const bearer = { authorization: `Bearer ${TOKENS[1]}` };
    const doc = (await (await fetch(new URL('docs/json', api), { headers: bearer })).json()) as { paths: Record<string, Record<string, unknown>> };
    const out: string[] = [JSON.stringify(doc)];
    const files = (d: string) => Object.fromEntries(readdirSync(d).map((f) => [f, readFileSync(join(d, f)).toString('base64')]));
    const good = files(await bundle(dir, `pump-${Date.now()}`, { privateKey: k.privateKey }));
    const requests: { method: string; path: string; headers?: Record<string, string>; body?: string }[] = [];
    const auths = [{}, { authorization: 'Bearer wrong-token' }, { authorization: `Basic ${Buffer.from(`${MQTT.user}:${MQTT.password}`).toString('base64')}` }, bearer, { authorization: `Bearer ${FILE_TOKEN}` }];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops).map((m) => m.toUpperCase())) {
        for (const id of path.includes('{id}') ? ['pump-v1', 'no-such-id', 'bad id!'] : [undefined]) {
          const p = id === undefined ? path : path.replace('{id}', encodeURIComponent(id));
          for (const headers of auths) {
            if (method === 'POST') {
              requests.push({ method, path: p, headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
              requests.push({ method, path: p, headers: { ...headers, 'content-type': 'application/json' }, body: '{"files":{"x.manifest.json":"AA=="}' });
            } else requests.push({ method, path: p, headers });
          }
        }
      }
    }
    requests.push(
      { method: 'POST', path: '/api/v1/models', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ files: good, activate: true }) },
      { method: 'POST', path: '/api/v1/models/rollback', headers: bearer },
      { method: 'GET', path: '/no/such/route', headers: bearer },
      { method: 'GET', path: `/api/v1/assets/x?password=${MQTT.password}`, headers: bearer },
      { method: 'GET', path: '/docs/yaml', headers: bearer },
      { method: 'GET', path: '/docs/static/index.html', headers: bearer },
      { method: 'DELETE', path: '/healthz' },
      { method: 'GET', path: '/api/v1/alerts?limit=abc', headers: bearer },
    );
    replyCount = requests.length + 1;
    for (const r of requests) {
      const res = await fetch(new URL(r.path.replace(/^\//, ''), api), { method: r.method, headers: r.headers, ...(r.body === undefined ? {} : { body: r.body }) });
      const text = await res.text();
      expect(res.status, `${r.method} ${r.path}`).toBeLessThan(500 + (r.path === '/readyz' ? 4 : 0));
      // the request itself is not part of the reply: one carries a password in its query on purpose
      out.push(`${r.method} #${requests.indexOf(r)} ${res.status} ${JSON.stringify([...res.headers])} ${text}`);
    }
    return out.join('\n');
  }

  /** Everything the gateway stored in InfluxDB, as text. */
  async function storedText(): Promise<string> {
    const m = await influx.query('SHOW MEASUREMENTS', 'plant');
    const names = (m.results[0]?.series?.[0]?.values ?? []).map((v) => String(v[0]));
    const parts = [JSON.stringify(m)];
    const rps = await influx.query('SHOW RETENTION POLICIES', 'plant');
    for (const rp of (rps.results[0]?.series?.[0]?.values ?? []).map((v) => String(v[0]))) {
      for (const name of names) parts.push(JSON.stringify(await influx.query(`SELECT * FROM "${rp}"."${name}" ORDER BY time DESC LIMIT 300`, 'plant').catch((e: Error) => e.message)));
    }
    return parts.join('\n');
  }

  async function run(name: string, opts: { influxPassword: string; mqttPassword: string; env: Record<string, string>; until: (r: RunResult['ready']) => boolean; summaries?: boolean }): Promise<RunResult> {
    const file = await writeConfig(name, opts.influxPassword, opts.mqttPassword);
    const cli = [
      spawnPeer(node, ['bin/telltale.js', 'config', 'print', '--config', file], { cwd: repo, env: env(opts.env) }),
      spawnPeer(node, ['bin/telltale.js', 'config', 'check', '--config', file], { cwd: repo, env: env(opts.env) }),
    ];
    await Promise.all(cli.map((p) => waitFor(() => p.child.exitCode !== null, 30_000, 'telltale config')));
    expect(cli.map((p) => p.child.exitCode)).toEqual([0, 0]);
    const upstreamBefore = upstream.length;
    gw = spawnPeer(node, ['bin/telltale.js', 'start', '--config', file], { cwd: repo, env: env(opts.env) });
    const g = gw;
    await waitFor(() => /Press Ctrl\+C to stop/.test(g.output()), 60_000, () => `the gateway to start (exit ${g.child.exitCode}, output:\n${g.output()})`);
    const api = /API:\s+(http:\/\/\S+?)healthz/.exec(g.output())![1];
    const ready = await waitFor(async () => {
      const r = (await (await fetch(new URL('readyz', api), { headers: { authorization: `Bearer ${TOKENS[0]}` } })).json()) as RunResult['ready'];
      return opts.until(r) ? r : undefined;
    }, 45_000, () => `readiness of run ${name} (output:\n${g.output()})`);
    // a few health intervals, so health points, samples and (when the broker takes them) summaries exist
    await new Promise((r) => setTimeout(r, 2500));
    if (opts.summaries) await waitFor(() => upstream.slice(upstreamBefore).some((m) => /\/summaries /.test(m)), 20_000, 'a summary upstream');
    const replies = await collectReplies(api);
    const stored = await storedText();
    await g.stop(20_000);
    gw = undefined;
    const result = { output: g.output(), replies, stored, upstream: upstream.slice(upstreamBefore).join('\n'), cli: cli.map((p) => p.output()).join('\n'), ready };
    console.log(`start-secrets run ${name}: ${result.output.split('\n').length} log lines, ${replyCount} API replies, `
      + `${stored.length} bytes from InfluxDB, ${upstream.length - upstreamBefore} MQTT messages, ${result.cli.length} bytes of config print/check searched`);
    return result;
  }

  function expectNoLeaks(r: RunResult, secrets: Record<string, string>): void {
    for (const [what, text] of Object.entries({ 'the log (stdout + stderr)': r.output, 'the API replies': r.replies, 'InfluxDB': r.stored, 'MQTT upstream': r.upstream, 'config print / check': r.cli })) {
      expect(findLeaks(text, secrets), what).toEqual([]);
    }
    // No stack traces or paths of this machine in what the API serves
    expect(findInternals(r.replies, [repo, dir])).toEqual([]);
  }

  it('with the right passwords: connects to both, and no secret is in the log, the API, InfluxDB, upstream or config print', async () => {
    const r = await run('good', {
      influxPassword: INFLUX.password, mqttPassword: MQTT.password, env: {}, summaries: true,
      until: (ready) => ready.checks.some((c) => c.name === 'influxdb' && c.ok) && ready.checks.some((c) => c.name === 'broker' && c.ok),
    });
    expectNoLeaks(r, CANARIES);
    // it did use the credentials: InfluxDB (auth on) took the samples and health points, the broker the summaries
    expect(r.stored).toMatch(/"name":"samples","columns"/);
    expect(r.stored).toMatch(/"name":"health","columns"/);
    expect(r.upstream).toMatch(/\/summaries /);
    // the banner and config print show where, masked
    expect(r.output).toContain(`tsdb: InfluxDB http://***@127.0.0.1:${influx.port}/plant`);
    expect(r.output).toContain(`uplink: MQTT mqtt://***@127.0.0.1:${broker.port}`);
    expect(r.cli).toContain(`url: http://***@127.0.0.1:${influx.port}/plant`);
    // the OPC UA password over securityMode None: warned at start and by config check, naming the device
    expect(r.output).toMatch(/warning: OPC UA device plc-9: user "operator" logs in with a password over securityMode None/);
    expect(r.cli).toMatch(/devices\[1\]: warning: OPC UA device plc-9/);
    // the model upload went through (audit trail in InfluxDB and upstream)
    expect(r.replies).toMatch(/"active":"pump-[\d]+-v1"/);
  }, 180_000);

  it('with wrong passwords: the authentication failures are reported, and still no secret anywhere', async () => {
    const wrong = { 'wrong tsdb url password': 'cnry-wrong-influx-pw-Rt5y1M', 'wrong uplink url password': 'cnry-wrong-mqtt-pw-Xc9v2B' };
    const editorHash = hashPassword('cnry-editor-hash-source-Lw3j6F');
    const r = await run('wrong', {
      influxPassword: wrong['wrong tsdb url password'], mqttPassword: wrong['wrong uplink url password'],
      env: { TELLTALE_EDITOR_PASSWORD_HASH: editorHash },
      until: (ready) => ready.checks.some((c) => c.name === 'influxdb' && !c.ok && c.detail !== undefined && c.detail !== 'not connected')
        && ready.checks.some((c) => c.name === 'broker' && !c.ok && c.detail !== undefined && c.detail !== 'not connected'),
    });
    expectNoLeaks(r, { ...CANARIES, ...wrong, TELLTALE_EDITOR_PASSWORD_HASH: editorHash });
    // the error paths ran: both refusals are in the log and in /readyz's detail, with the URLs masked
    expect(r.output).toMatch(/telltale outputs: .*(401|authorization failed|authentication)/i);
    expect(r.output).toMatch(/telltale outputs: uplink mqtt:\/\/\*\*\*@127\.0\.0\.1:\d+: .*(Not authorized|Bad username or password)/i);
    expect(r.ready.checks.find((c) => c.name === 'broker')!.detail).toMatch(/^uplink mqtt:\/\/\*\*\*@/);
  }, 180_000);
});
