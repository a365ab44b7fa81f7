/**
 * The gateway's own outputs from gateway.yaml (`tsdb:`, `uplink:`, `models:`, `api.tls`), end to end with a real
 * influxd, a real mosquitto and the simulator: raw samples and health land in InfluxDB without any flow, /readyz and
 * /metrics see both outputs over HTTPS, a model install is an audit event in InfluxDB and upstream, and a bundle whose
 * inputs differ from what a flow feeds the store is refused while the current model stays.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../gateway/config/load.ts';
import { Gateway } from '../../gateway/runtime/gateway.ts';
import { startSimulator, type Simulator } from '../../gateway/simulator/index.ts';
import { ModelRefusedError } from '../../gateway/models/lifecycle/signing.ts';
import { startInfluxd, type Influxd } from '../support/influxd.ts';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { waitFor } from '../support/process.ts';
import { httpsGet } from '../support/https.ts';
import { bundle, keys } from '../models/lifecycle/bundles.ts';

const get = (url: string, ca: Buffer, token?: string) => httpsGet(url, ca, token ? { authorization: `Bearer ${token}` } : {});

describe('Gateway with tsdb, uplink, models and API TLS from its config', () => {
  const root = mkdtempSync(join(tmpdir(), 'telltale-gw-outputs-'));
  const cert = join(root, 'api.crt');
  const key = join(root, 'api.key');
  let influxd: Influxd;
  let mosquitto: Mosquitto;
  let sim: Simulator;
  let gw: Gateway;
  let sub: mqtt.MqttClient;
  let k: Awaited<ReturnType<typeof keys>>;
  const upstream: { topic: string; body: Record<string, unknown> }[] = [];
  const tokensBefore = process.env.TELLTALE_API_TOKENS;
  const lines: string[] = [];

  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    [influxd, mosquitto, sim, k] = await Promise.all([startInfluxd(), startMosquitto(), startSimulator({ host: '127.0.0.1' }), keys(root)]);
    sub = await mqtt.connectAsync(mosquitto.url, { clientId: 'gw-outputs-sub' });
    await sub.subscribeAsync('telltale/#', { qos: 1 });
    sub.on('message', (topic, payload) => upstream.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }));
    process.env.TELLTALE_API_TOKENS = 'outputs-token';
    const config = validateConfig({
      gateway: { id: 'gw-a', site: 'plant-7', dataDir: join(root, 'data'), healthIntervalS: 0.5 },
      api: { port: 0, tls: { cert, key } },
      editor: { enabled: false },
      devices: sim.devices({ pollIntervalMs: 200 }),
      tsdb: { url: `${influxd.url}/gwtest`, flushIntervalMs: 200 },
      uplink: { url: mosquitto.url, summaryPeriodMs: 60_000 },
      models: { publicKey: k.publicKeyPath },
    });
    // editor.enabled false: no editor is served, but the flow runs — a function node's score reaches InfluxDB
    // through influx-write with the gateway's own writer.
    const seedFlow = () => [
      { id: 'tab', type: 'tab', label: 'flow' },
      { id: 'once', type: 'inject', z: 'tab', once: true, onceDelay: 0.1, repeat: '', topic: '', payload: '', payloadType: 'date', props: [{ p: 'payload' }], wires: [['fn']] },
      { id: 'fn', type: 'function', z: 'tab', func: "msg.payload = { asset: 'flow-asset', ts: Date.now(), score: 0.42 };\nreturn msg;", outputs: 1, wires: [['out']] },
      { id: 'out', type: 'influx-write', z: 'tab', name: '', target: 'gateway', url: '', db: '', site: 'plant-7', gateway: 'gw-a', batchSize: 100, flushIntervalMs: 200, wires: [] },
    ];
    gw = await Gateway.start({ config, log: (l) => lines.push(l), seedFlow });
  }, 60_000);

  it('runs the flow with the editor not served', async () => {
    expect(gw.editorUrl).toBeUndefined();
    const scores = async () => (await influxd.query(`SELECT "score" FROM "scores" WHERE "asset" = 'flow-asset'`, 'gwtest')).results[0]?.series?.[0]?.values?.length ?? 0;
    await waitFor(async () => (await scores()) >= 1, 30_000, 'the flow\'s score in InfluxDB');
  });
  afterAll(async () => {
    await gw?.stop();
    await sub?.endAsync();
    await Promise.allSettled([sim?.close(), influxd?.dispose(), mosquitto?.dispose()]);
    if (tokensBefore === undefined) delete process.env.TELLTALE_API_TOKENS;
    else process.env.TELLTALE_API_TOKENS = tokensBefore;
    rmSync(root, { recursive: true, force: true });
  });

  it('stores every device\'s raw samples and its own health in InfluxDB with no flow at all', async () => {
    const count = async (q: string) => {
      const r = await influxd.query(q, 'gwtest');
      return (r.results[0]?.series?.[0]?.values?.length ?? 0);
    };
    await waitFor(async () => (await count('SELECT * FROM "samples" LIMIT 5')) >= 5, 30_000, 'samples in InfluxDB');
    // The first health point may come before the first poll (samples_per_s 0): wait for one that saw samples.
    const rate = async () => (await influxd.query(`SELECT max("samples_per_s") FROM "health" WHERE "component" = 'gateway'`, 'gwtest')).results[0]?.series?.[0]?.values?.[0]?.[1] as number | undefined;
    await waitFor(async () => ((await rate()) ?? 0) > 0, 30_000, 'a health point with samples_per_s > 0');
    const h = await influxd.query(`SELECT last("outbox_backlog"), last("bytes_in"), last("tsdb_connected") FROM "health"`, 'gwtest');
    const [, backlog, bytesIn, tsdbUp] = h.results[0].series![0].values![0] as number[];
    expect(backlog).toBeGreaterThanOrEqual(0);
    expect(bytesIn).toBeGreaterThan(0); // the gateway counts device bytes for the bandwidth meter itself
    expect(tsdbUp).toBe(1);
  });

  it('serves /readyz and /metrics over HTTPS with both outputs in them', async () => {
    expect(gw.apiUrl).toMatch(/^https:\/\//);
    const ca = (await import('node:fs')).readFileSync(cert);
    const ready = await waitFor(async () => {
      const r = await get(`${gw.apiUrl}readyz`, ca);
      const body = JSON.parse(r.body) as { checks: { name: string; ok: boolean }[] };
      return body.checks.some((c) => c.name === 'broker' && c.ok) && body.checks.some((c) => c.name === 'influxdb' && c.ok) ? body : undefined;
    }, 20_000, 'readyz with InfluxDB and broker up');
    expect(ready.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['influxdb', 'broker']));
    const metrics = await get(`${gw.apiUrl}metrics`, ca, 'outputs-token');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^telltale_uplink_connected 1$/m);
    expect(metrics.body).toMatch(/^telltale_tsdb_connected 1$/m);
    expect(metrics.body).toMatch(/^telltale_device_bytes_in_total [1-9]/m);
  });

  it('records a model install in InfluxDB and upstream, and refuses other inputs once a flow feeds the store', async () => {
    const models = gw.models!;
    const v1 = await models.lifecycle.install(await bundle(root, 'pump', { privateKey: k.privateKey, seed: 1 }));
    await models.lifecycle.activate(v1, { shadow: false });
    const active = models.lifecycle.active.current!;
    const release = models.requireInputs('test-flow', { asset: 'pump-1', inputs: active.inputNames });
    const press = await bundle(root, 'press', { privateKey: k.privateKey, names: ['press.force', 'press.stroke', 'press.oil'] });
    await expect(models.lifecycle.install(press)).rejects.toThrow(ModelRefusedError);
    await expect(models.lifecycle.install(press)).rejects.toThrow(/do not match the features of asset "pump-1": missing .*unknown press\.force/);
    expect(models.lifecycle.active.current?.id).toBe(v1);
    release();
    // With no flow claiming inputs, the same bundle is accepted.
    await expect(models.lifecycle.install(press)).resolves.toBe('press-v1');
    const audit = await waitFor(async () => {
      const r = await influxd.query(`SELECT "alert_id", "message" FROM "summaries"."alerts" WHERE "severity" = 'audit'`, 'gwtest');
      const rows = r.results[0]?.series?.[0]?.values ?? [];
      return rows.length >= 5 ? rows : undefined; // installed ×2, activated, refused ×2
    }, 20_000, 'audit events in InfluxDB');
    const ids = audit.map((r) => String(r[1]));
    expect(ids.filter((i) => i.startsWith('model-installed-')).length).toBe(2);
    expect(ids.filter((i) => i.startsWith('model-refused-')).length).toBe(2);
    expect(ids.some((i) => i.startsWith('model-activated-'))).toBe(true);
    const up = await waitFor(() => {
      const a = upstream.filter((m) => m.topic === 'telltale/plant-7/gw-a/alerts' && (m.body.alert as { severity?: string } | undefined)?.severity === 'audit');
      return a.length >= 5 ? a : undefined;
    }, 20_000, 'audit events upstream');
    expect(up.map((m) => (m.body.alert as { audit: { action: string } }).audit.action)).toEqual(['installed', 'activated', 'refused', 'refused', 'installed']);
    // Only alerts (and status) went up: no raw samples.
    expect(upstream.every((m) => !/\/samples$/.test(m.topic))).toBe(true);
  });
});
