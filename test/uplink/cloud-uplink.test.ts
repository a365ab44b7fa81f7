import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import mqtt, { type MqttClient } from 'mqtt';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { spawnPeer, waitFor } from '../support/process.ts';
import { CloudUplink, resolveUplinkConfig } from '../../gateway/uplink/index.ts';

interface Received { topic: string; body: { id?: string; seq?: number; type?: string; state?: string; boot?: string; alert?: { n?: number } }; boot?: string; retain: boolean }

/** A receiver on telltale/#: a persistent MQTT 5 session so it misses nothing across a broker restart. */
async function receiver(url: string, clientId: string): Promise<{ client: MqttClient; got: Received[] }> {
  const got: Received[] = [];
  const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId, clean: false, reconnectPeriod: 200, properties: { sessionExpiryInterval: 3600 } });
  client.on('message', (topic, payload, packet) => {
    const up = packet.properties?.userProperties?.boot;
    got.push({ topic, body: JSON.parse(payload.toString()), boot: Array.isArray(up) ? up[0] : up, retain: packet.retain });
  });
  await client.subscribeAsync('telltale/#', { qos: 1 });
  return { client, got };
}

function uniqueById(list: Received[]): Received[] {
  const seen = new Set<string>();
  return list.filter((r) => r.body.id !== undefined && !seen.has(r.body.id) && seen.add(r.body.id));
}

describe('CloudUplink', () => {
  let broker: Mosquitto;
  let dir: string;
  const node = join(process.cwd(), 'node_modules/.bin/node');
  beforeAll(async () => {
    broker = await startMosquitto({ persistence: true });
    dir = mkdtempSync(join(tmpdir(), 'telltale-uplink-'));
  });
  afterAll(async () => {
    await broker?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const uplink = (name: string, extra: object = {}) =>
    new CloudUplink({
      config: resolveUplinkConfig({ url: broker.url, clientId: `gw-${name}`, reconnectPeriodMs: 200, inflightWindow: 8, summaryPeriodMs: 3_600_000, ...extra }),
      site: 'site-a',
      gateway: name,
      outboxPath: join(dir, `${name}.sqlite`),
    });

  it('publishes only alerts, summaries and status under telltale/<site>/<gateway>/, with envelope fields', async () => {
    const rx = await receiver(broker.url, 'rx-topics');
    const u = uplink('gw-topics');
    u.start();
    u.recordDeviceBytes(1_000_000);
    for (let i = 0; i < 10; i++) u.observe({ asset: 'pump-1', ts: Date.now(), features: { rms: i }, score: i / 10 });
    u.observe({ asset: 'pump-1', ts: Date.now(), alert: { kind: 'open', id: 'al-1', asset: 'pump-1', ts: Date.now(), score: 0.9 } });
    expect(u.flushSummaries()).toBe(1);
    await u.drain();
    await waitFor(() => rx.got.filter((r) => r.topic.endsWith('/summaries')).length === 1, 10_000, 'the summary');
    const topics = new Set(rx.got.map((r) => r.topic));
    expect([...topics].sort()).toEqual(['telltale/site-a/gw-topics/alerts', 'telltale/site-a/gw-topics/status', 'telltale/site-a/gw-topics/summaries']);
    const alert = rx.got.find((r) => r.topic.endsWith('/alerts'))!;
    expect(alert.body).toMatchObject({ schemaVersion: 1, type: 'alert', site: 'site-a', gateway: 'gw-topics', seq: 1 });
    const summary = rx.got.find((r) => r.topic.endsWith('/summaries'))!.body as Record<string, any>;
    expect(summary.summary.features.rms).toEqual({ count: 10, mean: 4.5, min: 0, max: 9 });
    expect(summary.summary.alerts.opened).toBe(1);
    expect(summary.bandwidth.deviceBytes).toBe(1_000_000);
    const birth = rx.got.find((r) => r.topic.endsWith('/status'))!;
    expect(birth.body).toMatchObject({ state: 'online', boot: u.boot });
    const st = u.status();
    expect(st.bandwidth.totalUplinkBytes).toBeGreaterThan(0);
    expect(st.bandwidth.reductionFactor).toBeGreaterThan(1);
    await u.stop();
    await waitFor(() => rx.got.some((r) => r.topic.endsWith('/status') && r.body.state === 'offline'), 10_000, 'the offline status');
    await rx.client.endAsync();
  });

  it('drains a backlog built while the broker was down: all delivered, alerts first, in seq order', async () => {
    const rx = await receiver(broker.url, 'rx-outage');
    const u = uplink('gw-outage');
    u.start();
    for (let i = 0; i < 20; i++) u.alert({ kind: 'open', id: `before-${i}`, asset: 'pump-1', ts: Date.now() });
    await u.drain();
    await broker.stop();
    await waitFor(() => !u.status().connected, 10_000, 'the uplink to notice');
    const sent: number[] = [];
    for (let i = 0; i < 30; i++) {
      u.observe({ asset: `pump-${i % 3}`, ts: Date.now(), score: i });
      if (i % 3 === 2) u.flushSummaries();
      sent.push(u.alert({ kind: 'update', id: `during-${i}`, asset: 'pump-1', ts: Date.now() })!.seq);
    }
    expect(u.status().queued).toBe(60);
    await broker.restart();
    await u.drain();
    await waitFor(() => uniqueById(rx.got).filter((r) => r.body.type === 'alert' && r.topic.includes('gw-outage')).length === 50, 20_000, '50 alerts at the receiver');
    await waitFor(() => uniqueById(rx.got).filter((r) => r.body.type === 'summary' && r.topic.includes('gw-outage')).length === 30, 20_000, '30 summaries at the receiver');
    const backlog = uniqueById(rx.got).filter((r) => r.body.seq! > 20 && r.topic.includes('gw-outage'));
    expect(backlog.map((r) => r.body.type)).toEqual([...Array(30).fill('alert'), ...Array(30).fill('summary')]);
    const alertSeqs = backlog.filter((r) => r.body.type === 'alert').map((r) => r.body.seq);
    expect(alertSeqs).toEqual(sent);
    const summarySeqs = backlog.filter((r) => r.body.type === 'summary').map((r) => r.body.seq!);
    expect(summarySeqs).toEqual([...summarySeqs].sort((a, b) => a - b));
    await u.stop();
    await rx.client.endAsync();
  });

  it('keeps every alert and merges summaries when the outbox fills during an outage', async () => {
    const rx = await receiver(broker.url, 'rx-full');
    const u = uplink('gw-full', { outbox: { maxMessages: 20 } });
    u.start();
    await waitFor(() => u.status().connected, 10_000, 'connect');
    await broker.stop();
    await waitFor(() => !u.status().connected, 10_000, 'the uplink to notice');
    // The bound, step by step (the outbox's contract, not its arithmetic): a summary never takes the box past
    // maxMessages (it is merged into older ones instead), an alert is always stored, even past the bound.
    const MAX = 20;
    let queued = u.status().queued;
    for (let i = 0; i < 60; i++) {
      u.observe({ asset: `pump-${i % 2}`, ts: Date.now(), features: { rms: 1 } });
      u.flushSummaries();
      const afterSummary = u.status().queued;
      expect(afterSummary, `summary ${i}`).toBeLessThanOrEqual(Math.max(queued, MAX));
      queued = afterSummary;
      if (i % 4 === 0) {
        u.alert({ kind: 'open', id: `full-${i}`, asset: 'pump-0', ts: Date.now() });
        expect(u.status().queued, `alert ${i}`).toBe(queued + 1);
        queued += 1;
      }
    }
    const st = u.status();
    expect(st.outbox.alerts).toBe(15);
    // Past the bound only by alerts: what is not an alert stays within MAX.
    expect(st.queued - st.outbox.alerts).toBeLessThanOrEqual(MAX);
    expect(st.outbox.summaries).toBeGreaterThanOrEqual(2);
    expect(st.outbox.merged).toBeGreaterThan(0);
    await broker.restart();
    await u.drain();
    await waitFor(() => uniqueById(rx.got).filter((r) => r.body.type === 'alert' && r.topic.includes('gw-full')).length === 15, 20_000, '15 alerts');
    const mine = () => uniqueById(rx.got).filter((r) => r.body.type === 'summary' && r.topic.includes('gw-full')).map((r) => (r.body as any).summary);
    await waitFor(() => mine().reduce((n, s) => n + (s.features.rms?.count ?? 0), 0) === 60, 20_000, 'all 60 periods counted');
    const sums = mine();
    expect(sums.length).toBeLessThan(60);
    await u.stop();
    await rx.client.endAsync();
  });

  it('after SIGKILL mid-stream, the restarted gateway resends exactly what was not acknowledged', async () => {
    const rx = await receiver(broker.url, 'rx-kill');
    const outbox = join(dir, 'kill.sqlite');
    const driver = join(process.cwd(), 'test/uplink/fixtures/uplink-driver.ts');
    const first = spawnPeer(node, [driver, broker.url, outbox, '5000']);
    const boot1 = (await waitFor(() => /boot (\S+)/.exec(first.output())?.[1], 20_000, 'boot line'));
    await waitFor(() => [...first.output().matchAll(/acked (\d+)/g)].some((m) => Number(m[1]) >= 300), 30_000, '300 acknowledgements');
    await first.kill9();
    expect(first.output()).not.toContain('drained');
    // The will tells the cloud the gateway went away.
    await waitFor(() => rx.got.some((r) => r.topic.endsWith('/status') && r.body.state === 'offline' && r.body.boot === boot1), 10_000, 'the last will');

    const db = new DatabaseSync(outbox, { readOnly: true });
    const pending = (db.prepare('SELECT seq FROM outbox ORDER BY seq').all() as { seq: number }[]).map((r) => Number(r.seq));
    const lastSeq = Number((db.prepare(`SELECT value FROM outbox_meta WHERE key = 'next_seq'`).get() as { value: number }).value) - 1;
    db.close();
    expect(pending.length).toBeGreaterThan(0);

    const second = spawnPeer(node, [driver, broker.url, outbox, '0']);
    const boot2 = await waitFor(() => /boot (\S+)/.exec(second.output())?.[1], 20_000, 'boot line');
    await waitFor(() => second.output().includes('drained'), 60_000, 'the second run to drain');
    await waitFor(() => new Set(rx.got.filter((r) => r.boot === boot2 && r.body.type === 'alert').map((r) => r.body.seq)).size === pending.length, 20_000, 'resent messages');
    await second.stop();

    const resent = [...new Set(rx.got.filter((r) => r.boot === boot2 && r.body.type === 'alert').map((r) => r.body.seq!))].sort((a, b) => a - b);
    expect(resent).toEqual(pending);
    const all = new Set(uniqueById(rx.got).filter((r) => r.body.type === 'alert' && r.topic.includes('gw-k')).map((r) => r.body.seq));
    expect(all.size).toBe(lastSeq);
    expect(Math.max(...all as Set<number>)).toBe(lastSeq);
    await rx.client.endAsync();
  });
});
