/**
 * A device added to gateway.yaml after the first start is scored (issue 13.1): `telltale start` keeps the kept flow
 * in step with the configuration — an asset no tab reads gets its pipeline on the tab the gateway manages — without
 * touching what the user built. Real `telltale start` (built CLI), simulator, influxd and Mosquitto:
 * start with pump-1 and pump-2 only, stop, edit the flow as a user would, add pump-3 to gateway.yaml, start again:
 * pump-3 learns, scores and alerts on an injected fault; the user's tab and edit survive; a third start changes
 * nothing; an asset removed from gateway.yaml but still read by the user's tab is reported, not deleted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { stringify } from 'yaml';
import { startSimulator, type Simulator } from '../../gateway/simulator/index.ts';
import { MANAGED_TAB } from '../../gateway/host/flow-sync.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';
import { startInfluxd, type Influxd } from '../support/influxd.ts';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const ROOT = 'telltale/line-9/gw-sync';

interface Node { id: string; type: string; z?: string; asset?: string; name?: string }
interface Received { topic: string; body: { alert?: { kind?: string; asset?: string } } }

describe('telltale start keeps the flow in step with gateway.yaml', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-flow-sync-'));
  const flowFile = join(dir, 'data', 'flows.json');
  let influx: Influxd;
  let broker: Mosquitto;
  let sim: Simulator;
  let sub: mqtt.MqttClient;
  let gw: Spawned | undefined;
  const received: Received[] = [];

  /** gateway.yaml with the simulator's device, keeping only the tags of these assets. */
  const writeConfig = (assets: string[]) => {
    const devices = sim.devices({ pollIntervalMs: 100 }).map((d) => ({ ...d, tags: d.tags.filter((t) => assets.includes(String((t as { asset?: string }).asset))) }));
    writeFileSync(join(dir, 'gateway.yaml'), stringify({
      gateway: { id: 'gw-sync', site: 'line-9', dataDir: join(dir, 'data'), healthIntervalS: 5 },
      api: { port: 0 }, editor: { port: 0 }, devices,
      tsdb: { url: `${influx.url}/plant`, flushIntervalMs: 500 },
      uplink: { url: broker.url, summaryPeriodMs: 5000 },
    }));
  };
  const start = async () => {
    gw = spawnPeer(join(repo, 'node_modules/.bin/node'), ['bin/telltale.js', 'start', '--config', join(dir, 'gateway.yaml'), '--learn-windows', '30'], {
      cwd: repo, env: { ...process.env, ORT_DISABLE_TELEMETRY: '1', TELLTALE_INFLUX_URL: '', TELLTALE_MQTT_URL: '' },
    });
    const p = gw;
    await waitFor(() => /Press Ctrl\+C to stop/.test(p.output()), 60_000, () => `the gateway to start (exit ${p.child.exitCode}, output:\n${p.output()})`);
    return p;
  };
  const flow = () => JSON.parse(readFileSync(flowFile, 'utf8')) as Node[];

  beforeAll(async () => {
    [influx, broker, sim] = await Promise.all([startInfluxd(), startMosquitto(), startSimulator({ host: '127.0.0.1' })]);
    sub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'flow-sync-cloud' });
    sub.on('message', (topic, payload) => received.push({ topic, body: JSON.parse(payload.toString()) as Received['body'] }));
    await sub.subscribeAsync(`${ROOT}/#`, { qos: 1 });
  }, 60_000);
  afterAll(async () => {
    await gw?.stop(20_000);
    await sub?.endAsync();
    await Promise.allSettled([sim?.close(), influx?.dispose(), broker?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('scores an asset added to gateway.yaml after the first start, on the managed tab, keeping the user\'s edits', async () => {
    writeConfig(['pump-1', 'pump-2']);
    const first = await start();
    await first.stop(20_000);
    const seeded = flow();
    expect(seeded.filter((n) => n.type === 'modbus-read').map((n) => n.asset).sort()).toEqual(['pump-1', 'pump-2']);
    expect(seeded.some((n) => n.z === MANAGED_TAB)).toBe(false);
    // The user's own work: a tab of their own, and a renamed node on the seeded tab.
    const debug = seeded.find((n) => n.type === 'debug' && n.name === 'samples')!;
    debug.name = 'my samples';
    const userTab = [{ id: 'user-tab', type: 'tab', label: 'Mine' }, { id: 'user-note', type: 'comment', z: 'user-tab', name: 'keep me', x: 100, y: 100, wires: [] }];
    writeFileSync(flowFile, JSON.stringify([...seeded, ...userTab], null, 2));

    writeConfig(['pump-1', 'pump-2', 'pump-3']);
    const second = await start();
    expect(second.output()).toMatch(/telltale flow: added the pipeline of pump-3 \(device \S+\) on the tab "Telltale: added devices"/);
    const synced = flow();
    const managed = synced.filter((n) => n.z === MANAGED_TAB);
    expect(managed.filter((n) => n.type === 'modbus-read').map((n) => n.asset)).toEqual(['pump-3']);
    expect(managed.some((n) => n.type === 'anomaly-score')).toBe(true);
    expect(synced.find((n) => n.id === 'user-note')).toMatchObject({ z: 'user-tab', name: 'keep me' });
    expect(synced.find((n) => n.id === debug.id)?.name).toBe('my samples');
    expect(new Set(synced.map((n) => n.id)).size).toBe(synced.length);
    // The kept pumps are not doubled: pump-1 and pump-2 are still read once, on the seeded tab.
    expect(synced.filter((n) => n.type === 'modbus-read').map((n) => n.asset).sort()).toEqual(['pump-1', 'pump-2', 'pump-3']);

    // pump-3 learns (30 windows of 16 samples, hop 4, at 10 Hz ≈ 14 s), scores, and alerts on a fault.
    const count = async (q: string) => (await influx.query(q, 'plant')).results[0]?.series?.[0]?.values?.length ?? 0;
    await waitFor(async () => (await count(`SELECT "score" FROM "scores" WHERE "asset" = 'pump-3' LIMIT 3`)) >= 3, 120_000, () => `scores of pump-3 (output:\n${second.output().slice(-2000)})`);
    sim.injectFault('pump-3', 'valve-closing', { rampS: 2 });
    await waitFor(() => received.find((m) => m.topic === `${ROOT}/alerts` && m.body.alert?.kind === 'open' && m.body.alert.asset === 'pump-3'), 90_000, 'an alert open event for pump-3');
    await second.stop(20_000);
  }, 300_000);

  it('changes nothing on a start with the same configuration', async () => {
    const before = readFileSync(flowFile, 'utf8');
    const third = await start();
    expect(third.output()).toMatch(/telltale flow: kept the pipeline of pump-3/);
    await third.stop(20_000);
    expect(readFileSync(flowFile, 'utf8')).toBe(before);
  }, 120_000);

  it('reports an asset the flow reads that gateway.yaml no longer has, and leaves it', async () => {
    writeConfig(['pump-1', 'pump-3']);
    const fourth = await start();
    expect(fourth.output()).toMatch(/telltale flow: the flow reads pump-2 \(device \S+\), not in gateway\.yaml: left as it is/);
    await fourth.stop(20_000);
    expect(flow().filter((n) => n.type === 'modbus-read').map((n) => n.asset).sort()).toEqual(['pump-1', 'pump-2', 'pump-3']);
  }, 120_000);
});
