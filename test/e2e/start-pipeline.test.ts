/**
 * `telltale start` with `tsdb:` and `uplink:` in gateway.yaml, the built CLI end to end: the seeded flow learns each
 * asset's baseline on the device, scores, and sends the alert of an injected fault through the gateway's own uplink;
 * the gateway itself stores raw samples and health, the flow features and scores, in a real influxd.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { stringify } from 'yaml';
import { startSimulator, type Simulator } from '../../gateway/simulator/index.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';
import { startInfluxd, type Influxd } from '../support/influxd.ts';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const ROOT = 'telltale/line-3/gw-start';

interface Received { topic: string; body: Record<string, unknown> }

describe('telltale start with gateway outputs and the seeded flow', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-start-pipeline-'));
  let influx: Influxd;
  let broker: Mosquitto;
  let sim: Simulator;
  let sub: mqtt.MqttClient;
  let gw: Spawned;
  const received: Received[] = [];

  beforeAll(async () => {
    [influx, broker, sim] = await Promise.all([startInfluxd(), startMosquitto(), startSimulator({ host: '127.0.0.1' })]);
    sub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'start-pipeline-cloud' });
    sub.on('message', (topic, payload) => received.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }));
    await sub.subscribeAsync(`${ROOT}/#`, { qos: 1 });
    const config = {
      gateway: { id: 'gw-start', site: 'line-3', dataDir: join(dir, 'data'), healthIntervalS: 1 },
      api: { port: 0 },
      editor: { port: 0 },
      devices: sim.devices({ pollIntervalMs: 100 }),
      tsdb: { url: `${influx.url}/plant`, flushIntervalMs: 500 },
      uplink: { url: broker.url, summaryPeriodMs: 2000 },
    };
    writeFileSync(join(dir, 'gateway.yaml'), stringify(config));
    gw = spawnPeer(join(repo, 'node_modules/.bin/node'), ['bin/telltale.js', 'start', '--config', join(dir, 'gateway.yaml'), '--learn-windows', '100'], {
      cwd: repo, env: { ...process.env, ORT_DISABLE_TELEMETRY: '1', TELLTALE_INFLUX_URL: '', TELLTALE_MQTT_URL: '' },
    });
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
    await sub?.endAsync();
    await Promise.allSettled([sim?.close(), influx?.dispose(), broker?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('seeds a flow that writes through the gateway\'s outputs, not URLs of its own', async () => {
    await waitFor(() => /Press Ctrl\+C to stop/.test(gw.output()), 60_000, () => `the gateway to start (exit ${gw.child.exitCode}, output:\n${gw.output()})`);
    expect(gw.output()).toContain(`tsdb: InfluxDB ${influx.url}/plant`);
    const flow = JSON.parse(readFileSync(join(dir, 'data', 'flows.json'), 'utf8')) as { type: string; target?: string; broker?: string }[];
    expect(flow.find((n) => n.type === 'influx-write')?.target).toBe('gateway');
    expect(flow.find((n) => n.type === 'cloud-uplink')?.broker).toBe('');
    expect(flow.some((n) => n.type === 'mqtt-cloud' || n.type === 'gateway-health')).toBe(false);
  }, 90_000);

  it('opens an alert for an injected fault, upstream through the gateway uplink and in InfluxDB', async () => {
    const count = async (q: string) => (await influx.query(q, 'plant')).results[0]?.series?.[0]?.values?.length ?? 0;
    // Learning: 100 windows of 16 samples, hop 4, at 10 Hz ≈ 45 s; the flow's scores appear once each asset learned.
    await waitFor(async () => (await count(`SELECT "score" FROM "scores" WHERE "asset" = 'pump-2' LIMIT 3`)) >= 3, 150_000, 'scores of pump-2');
    const before = received.filter((m) => m.topic === `${ROOT}/alerts`).length;
    sim.injectFault('pump-2', 'valve-closing', { rampS: 2 });
    const open = await waitFor(() => received.find((m) => m.topic === `${ROOT}/alerts`
      && (m.body.alert as { kind?: string; asset?: string } | undefined)?.kind === 'open'
      && (m.body.alert as { asset?: string }).asset === 'pump-2'), 90_000, 'an alert open event for pump-2');
    expect(received.filter((m) => m.topic === `${ROOT}/alerts`).length).toBeGreaterThan(before);
    expect((open.body.alert as { topTags?: { tag: string }[] }).topTags?.length ?? 0).toBeGreaterThan(0);
    await waitFor(async () => (await count(`SELECT * FROM "summaries"."alerts" WHERE "asset" = 'pump-2' AND "state" = 'open'`)) >= 1, 20_000, 'the alert in InfluxDB');
  }, 280_000);

  it('stores raw samples and the gateway health, and sends summaries but no raw samples upstream', async () => {
    const count = async (q: string) => (await influx.query(q, 'plant')).results[0]?.series?.[0]?.values?.length ?? 0;
    expect(await count('SELECT * FROM "samples" LIMIT 10')).toBe(10);
    expect(await count(`SELECT * FROM "features" LIMIT 10`)).toBe(10);
    expect(await count(`SELECT "outbox_backlog" FROM "health" WHERE "component" = 'gateway' LIMIT 3`)).toBe(3);
    const summaries = received.filter((m) => m.topic === `${ROOT}/summaries`);
    expect(summaries.length).toBeGreaterThan(0);
    expect((summaries.at(-1)!.body.bandwidth as { deviceBytes: number }).deviceBytes).toBeGreaterThan(0);
    expect(received.every((m) => /\/(alerts|summaries|status)$/.test(m.topic))).toBe(true);
  });
});
