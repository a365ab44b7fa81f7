import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { freePort } from '../support/ports.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';
import { startInfluxd, type Influxd } from '../support/influxd.ts';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';

// The built CLI end to end (the CI test command builds before vitest): simulator → sources → features →
// scoring → InfluxDB + cloud uplink, against a real influxd and a real mosquitto.
const repo = fileURLToPath(new URL('../..', import.meta.url));
// The scoring node must be registered: if its package.json entry is renamed or dropped, the alert test below must
// fail (it used to be skipped silently), and this names the cause.
const registeredNodes = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } })['node-red'].nodes;
const ROOT = 'telltale/demo/telltale-demo';

interface Received { topic: string; body: Record<string, unknown> }

describe('telltale demo pipeline', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-pipeline-'));
  let influx: Influxd;
  let broker: Mosquitto;
  let sub: mqtt.MqttClient;
  let demo: Spawned;
  const received: Received[] = [];

  beforeAll(async () => {
    [influx, broker] = await Promise.all([startInfluxd(), startMosquitto()]);
    sub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'pipeline-test-cloud' });
    sub.on('message', (topic, payload) => received.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }));
    await sub.subscribeAsync(`${ROOT}/#`, { qos: 1 });
    const [apiPort, editorPort, modbusPort, opcuaPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    demo = spawnPeer(join(repo, 'node_modules/.bin/node'), [
      'bin/telltale.js', 'demo', '--api-port', String(apiPort), '--editor-port', String(editorPort), '--data-dir', dataDir,
      '--sim-modbus-port', String(modbusPort), '--sim-opcua-port', String(opcuaPort),
      '--influx-url', `${influx.url}/telltale`, '--mqtt-url', broker.url, '--summary-period', '2',
      '--poll-interval', '100', '--learn-windows', '150', '--fault', 'pump-2:valve-closing', '--fault-after', '80',
    ], { cwd: repo, env: { ...process.env, ORT_DISABLE_TELEMETRY: '1', TELLTALE_INFLUX_URL: '', TELLTALE_MQTT_URL: '' } });
  });
  afterAll(async () => {
    await demo?.stop(20_000);
    await sub?.endAsync();
    await Promise.all([influx?.dispose(), broker?.dispose()]);
    rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  it('says where InfluxDB and the uplink are', async () => {
    await waitFor(() => demo.output().includes('Press Ctrl+C to stop.'), 60_000, () => `the demo banner (output:\n${demo.output()})`);
    expect(demo.output()).toContain(`InfluxDB:     ${influx.url}/telltale`);
    expect(demo.output()).toContain(`Cloud uplink: ${broker.url} topics ${ROOT}/`);
  }, 90_000);

  it('stores samples and features in InfluxDB, queryable per asset', async () => {
    const count = async (measurement: string) => {
      const r = await influx.query(`SELECT count(*) FROM "${measurement}" WHERE asset = 'pump-1'`, 'telltale');
      const row = r.results[0]?.series?.[0]?.values[0];
      return row ? Math.max(...row.slice(1).map(Number)) : 0;
    };
    await waitFor(async () => (await count('samples')) > 10, 60_000, () => `samples of pump-1 in InfluxDB (demo output:\n${demo.output()})`);
    await waitFor(async () => (await count('features')) > 0, 60_000, () => `features of pump-1 in InfluxDB (demo output:\n${demo.output()})`);
    const fields = await influx.query(`SHOW FIELD KEYS FROM "features"`, 'telltale');
    const names = (fields.results[0]?.series?.[0]?.values ?? []).map((v) => String(v[0]));
    expect(names.some((n) => n.startsWith('flow') || n.includes('vibration'))).toBe(true);
  }, 90_000);

  it('sends the birth status and per-asset summaries with the bandwidth meter upstream', async () => {
    const summary = await waitFor(() => received.find((m) => m.topic === `${ROOT}/summaries`), 60_000, `a summary on ${ROOT}/summaries`);
    expect(received.some((m) => m.topic === `${ROOT}/status`)).toBe(true);
    const bandwidth = summary.body.bandwidth as { deviceBytes: number; uplinkBytes: number };
    expect(bandwidth.deviceBytes).toBeGreaterThan(0);
  }, 90_000);

  it('sends an alert open event for the injected fault and stores it in InfluxDB', async () => {
    expect(registeredNodes['anomaly-score'], 'package.json node-red.nodes has no "anomaly-score": the demo cannot score').toBe('dist/nodes/anomaly-score/anomaly-score.js');
    expect(existsSync(join(repo, registeredNodes['anomaly-score']))).toBe(true);
    const injected = await waitFor(() => /Fault injected at (\S+):/.exec(demo.output()), 150_000, () => `the fault injection (demo output:\n${demo.output()})`);
    const onset = Date.parse(injected[1]);
    const open = await waitFor(() => received.find((m) => m.topic === `${ROOT}/alerts`
      && (m.body.alert as { kind?: string; asset?: string; ts?: number } | undefined)?.kind === 'open'
      && (m.body.alert as { asset: string }).asset === 'pump-2' && (m.body.alert as { ts: number }).ts >= onset), 150_000,
    `an alert open event for pump-2 after ${injected[1]} (received ${received.length} messages; demo output:\n${demo.output().slice(-3000)})`);
    const alert = open.body.alert as { id: string; topTags: { tag: string }[] };
    expect(alert.topTags.length).toBeGreaterThan(0);
    const stored = await waitFor(async () => {
      const r = await influx.query(`SELECT * FROM "summaries"."alerts" WHERE alert_id = '${alert.id}'`, 'telltale');
      return r.results[0]?.series?.[0];
    }, 30_000, `alert ${alert.id} in InfluxDB`);
    expect(stored.values.length).toBeGreaterThan(0);
    const scores = await influx.query(`SELECT count(score) FROM "scores" WHERE asset = 'pump-2'`, 'telltale');
    expect(Number(scores.results[0]?.series?.[0]?.values[0]?.[1] ?? 0)).toBeGreaterThan(0);
  }, 320_000);

  it('sends no raw samples upstream: only alerts, summaries and status', () => {
    expect(received.length).toBeGreaterThan(0);
    const topics = new Set(received.map((m) => m.topic.slice(ROOT.length + 1)));
    expect([...topics].filter((t) => !['alerts', 'summaries', 'status'].includes(t))).toEqual([]);
  });
});
