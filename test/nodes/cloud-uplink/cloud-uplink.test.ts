import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import cloudUplink from '../../../nodes/cloud-uplink/cloud-uplink.ts';
import mqttCloud from '../../../nodes/mqtt-cloud/mqtt-cloud.ts';
import { startMosquitto, type Mosquitto } from '../../support/mosquitto.ts';
import { waitFor } from '../../support/process.ts';
import { helper, initHelper } from '../helper.ts';

describe('cloud-uplink', () => {
  initHelper();
  const made: string[] = [];
  let broker: Mosquitto;
  let rx: MqttClient;
  const got: { topic: string; body: Record<string, any> }[] = [];
  beforeAll(async () => {
    broker = await startMosquitto();
    await helper.startServer();
    rx = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    rx.on('message', (topic, payload) => got.push({ topic, body: JSON.parse(payload.toString()) }));
    await rx.subscribeAsync('telltale/#', { qos: 1 });
  });
  afterEach(() => helper.unload());
  afterAll(async () => {
    // Without a Node-RED user dir the queues go to <tmp>/queues: remove ours.
    for (const id of made) for (const ext of ['', '-wal', '-shm']) rmSync(join(tmpdir(), 'queues', `outbox-${id}.sqlite${ext}`), { force: true });
    await rx?.endAsync();
    await helper.stopServer();
    await broker?.dispose();
  });

  const flow = (brokerUrl: string, extra: object = {}) => {
    const cfg = `mc-${randomUUID()}`;
    made.push(cfg);
    const id = `cu-${randomUUID()}`;
    return {
      cfg,
      id,
      nodes: [
        { id: cfg, type: 'mqtt-cloud', broker: brokerUrl, site: 'plant-n', gateway: `gw-${cfg.slice(3, 9)}`, summaryPeriodS: 3600, maxMessages: 1000, rejectUnauthorized: true, ...extra },
        { id, type: 'cloud-uplink', broker: cfg },
      ],
    };
  };
  const statuses = (n: { status: { args: [{ fill?: string; text?: string }][] } }) => n.status.args.map(([s]) => s);

  it('does send alerts at once, count raw samples without sending them, and show "connected, 0 queued"', async () => {
    const { cfg, id, nodes } = flow(broker.url);
    await helper.load([mqttCloud, cloudUplink], nodes, { [cfg]: { user: '', password: '' } });
    const n = helper.getNode(id);
    await waitFor(() => statuses(n).some((s) => s.fill === 'green' && s.text === 'connected, 0 queued'), 10_000, 'green status');
    n.receive({ payload: { asset: 'pump-3', ts: Date.now(), values: { flow: 1 }, quality: { flow: { status: 'good' } } } });
    n.receive({ payload: { asset: 'pump-3', ts: Date.now(), score: 0.4, features: { rms: 2 } } });
    n.receive({ payload: { kind: 'open', id: 'al-3', asset: 'pump-3', ts: Date.now(), score: 0.9 } });
    const gw = (nodes[0] as { gateway: string }).gateway;
    await waitFor(() => got.some((m) => m.topic === `telltale/plant-n/${gw}/alerts` && m.body.alert?.id === 'al-3'), 10_000, 'the alert');
    const uplink = helper.getNode(cfg).uplink;
    expect(uplink.status().bandwidth.totalDeviceBytes).toBe(4);
    expect(uplink.flushSummaries()).toBe(1);
    await waitFor(() => got.some((m) => m.topic.endsWith(`${gw}/summaries`)), 10_000, 'the summary');
    expect(got.filter((m) => m.topic.includes(gw)).map((m) => m.topic.split('/').pop()).sort()).toEqual(['alerts', 'status', 'summaries']);
  });

  it('does show a red ring "offline, N queued" while the broker is unreachable', async () => {
    const { id, nodes } = flow('mqtt://127.0.0.1:1');
    await helper.load([mqttCloud, cloudUplink], nodes);
    const n = helper.getNode(id);
    n.receive({ payload: { kind: 'open', id: 'al-x', asset: 'pump-4', ts: Date.now() } });
    n.receive({ payload: { kind: 'close', id: 'al-x', asset: 'pump-4', ts: Date.now() } });
    await waitFor(() => statuses(n).some((s) => s.fill === 'red' && s.text === 'offline, 2 queued'), 10_000, 'red status with 2 queued');
  });

  it('does forward raw values only of the tags the flow lists', async () => {
    const { cfg, id, nodes } = flow(broker.url);
    (nodes[1] as Record<string, unknown>).forward = 'pump-6/flow, speed';
    await helper.load([mqttCloud, cloudUplink], nodes);
    const n = helper.getNode(id);
    await waitFor(() => statuses(n).some((s) => s.fill === 'green'), 10_000, 'green status');
    n.receive({ payload: { asset: 'pump-6', ts: 5, values: { flow: 1.5, speed: 1450, temp: 40 }, quality: {} } });
    n.receive({ payload: { asset: 'pump-7', ts: 6, values: { flow: 2.5, temp: 41 }, quality: {} } });
    const gw = (nodes[0] as { gateway: string }).gateway;
    await waitFor(() => got.some((m) => m.topic === `telltale/plant-n/${gw}/samples`), 10_000, 'the forwarded sample');
    await helper.getNode(cfg).uplink.drain();
    const samples = got.filter((m) => m.topic.endsWith(`${gw}/samples`)).map((m) => m.body.sample);
    expect(samples).toEqual([{ asset: 'pump-6', ts: 5, values: { flow: 1.5, speed: 1450 } }]);
  });

  it('does send Sparkplug B when the broker node asks for it', async () => {
    const { id, nodes } = flow(broker.url, { format: 'sparkplug', sparkplugGroup: 'grp-n' });
    await helper.load([mqttCloud, cloudUplink], nodes);
    const sp: string[] = [];
    const spRx = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    spRx.on('message', (t) => sp.push(t));
    await spRx.subscribeAsync('spBv1.0/grp-n/#', { qos: 1 });
    const n = helper.getNode(id);
    await waitFor(() => statuses(n).some((s) => s.fill === 'green'), 10_000, 'green status');
    n.receive({ payload: { kind: 'open', id: 'al-sp', asset: 'pump-5', ts: Date.now() } });
    const gw = (nodes[0] as { gateway: string }).gateway;
    await waitFor(() => sp.includes(`spBv1.0/grp-n/DDATA/${gw}/pump-5`), 10_000, 'the DDATA');
    expect(sp).toContain(`spBv1.0/grp-n/DBIRTH/${gw}/pump-5`);
    await spRx.endAsync();
  });

  it('does report a bad payload to done(err) and a missing broker in its status', async () => {
    const { id, nodes } = flow(broker.url);
    await helper.load([mqttCloud, cloudUplink], [...nodes, { id: 'lonely', type: 'cloud-uplink', broker: 'nope' }]);
    const n = helper.getNode(id);
    const err = new Promise<unknown>((resolve) => n.on('call:error', (call: { args: unknown[] }) => resolve(call.args[0])));
    n.receive({ payload: { asset: 'p' } });
    expect(String(await err)).toMatch(/payload\.ts of "p" must be a number/);
    expect(statuses(helper.getNode('lonely')).some((s) => s.fill === 'red' && s.text === 'no broker configured')).toBe(true);
  });
});
