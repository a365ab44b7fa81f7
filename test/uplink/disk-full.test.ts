/**
 * CloudUplink on a really full disk (a small tmpfs filled to the last byte; needs root to mount, else skipped) with
 * a real Mosquitto: the summary timer, PUBACK deletes and opening the outbox all meet SQLITE_FULL / ENOSPC. Nothing
 * may throw out of a timer or handler (an uncaught exception fails the vitest run), alerts wait in a bounded memory
 * buffer, and everything accepted is delivered once space returns.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import mqtt, { type MqttClient } from 'mqtt';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { waitFor } from '../support/process.ts';
import { mountSmallDisk, type SmallDisk } from '../faults/fixtures/small-disk.ts';
import { CloudUplink, resolveUplinkConfig } from '../../gateway/uplink/index.ts';

const disk = mountSmallDisk('16m', 'telltale-uplink-full-');
if (!disk) console.warn('uplink disk-full tests skipped: cannot mount a tmpfs here (needs root)');

/** Checkpoints and truncates a SQLite file's WAL from a second connection (as SQLite itself does after a checkpoint). */
function truncateWal(path: string): void {
  const db = new DatabaseSync(path);
  try { db.exec('PRAGMA wal_checkpoint(TRUNCATE)'); } finally { db.close(); }
}

async function receiver(url: string, clientId: string): Promise<{ client: MqttClient; alerts: string[]; summaries: number[] }> {
  const alerts: string[] = [];
  const summaries: number[] = [];
  const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId, clean: false, reconnectPeriod: 200, properties: { sessionExpiryInterval: 3600 } });
  client.on('message', (topic, payload) => {
    const body = JSON.parse(payload.toString()) as { alert?: { id: string }; seq: number };
    if (topic.endsWith('/alerts')) alerts.push(body.alert!.id);
    if (topic.endsWith('/summaries')) summaries.push(body.seq);
  });
  await client.subscribeAsync('telltale/#', { qos: 1 });
  return { client, alerts, summaries };
}

describe.skipIf(!disk)('CloudUplink on a full disk', () => {
  const d = disk as SmallDisk;
  let broker: Mosquitto;
  const open: CloudUplink[] = [];
  let n = 0;
  beforeAll(async () => { broker = await startMosquitto({ persistence: true }); });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((u) => u.stop()));
    d.free();
    // Each test starts on an empty disk.
    for (const e of readdirSync(d.path)) rmSync(join(d.path, e), { recursive: true, force: true });
  });
  afterAll(async () => {
    await broker?.dispose();
    d.dispose();
  });

  const uplink = (name: string, extra: object = {}, memoryCap?: number) => {
    mkdirSync(join(d.path, name), { recursive: true });
    const u = new CloudUplink({
      config: resolveUplinkConfig({ url: broker.url, clientId: `gw-${name}`, reconnectPeriodMs: 200, inflightWindow: 8, summaryPeriodMs: 100, ...extra }),
      site: 'site-f', gateway: name, outboxPath: join(d.path, name, 'outbox.sqlite'), ...(memoryCap ? { memoryCap } : {}),
    });
    open.push(u);
    return u;
  };
  const alert = (u: CloudUplink, id: string) => u.alert({ kind: 'open', id, asset: 'pump-1', ts: Date.now(), score: 1 });

  it('summary timer and alerts while full: held in memory (bounded, alerts kept), disk-full reported, all accepted alerts delivered after space returns', async () => {
    const rx = await receiver(broker.url, 'rx-full-1');
    await broker.stop();
    const u = uplink('timer', {}, 40);
    u.start();
    const accepted: string[] = [];
    const refused: string[] = [];
    // Fill while alerts and summaries (every 100 ms) keep coming: the store fails mid-stream.
    for (let i = 0; i < 30; i++) { alert(u, `t-${i}`); accepted.push(`t-${i}`); u.observe({ asset: 'pump-1', ts: Date.now(), score: i }); }
    d.fill();
    for (let i = 30; i < 120; i++) {
      u.observe({ asset: `pump-${i % 3}`, ts: Date.now(), score: i });
      try { alert(u, `t-${i}`); accepted.push(`t-${i}`); } catch (e) { refused.push(`t-${i}`); expect((e as Error).message).toMatch(/refused/); }
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor(() => u.status().storage!.state === 'disk-full', 10_000, 'the disk-full state');
    // Several summary periods pass on the full disk: the timer must not throw (vitest fails on an uncaught error).
    await new Promise((r) => setTimeout(r, 600));
    const s = u.status().storage!;
    expect(s.lastError).toMatch(/database or disk is full/);
    expect(s.memory.held).toBeLessThanOrEqual(40);
    expect(s.memory.dropped.summary).toBeGreaterThan(0);
    expect(s.memory.alerts).toBe(s.memory.held); // summaries went first: only alerts are left
    expect(refused.length).toBe(s.memory.refused);
    expect(refused.length).toBeGreaterThan(0);

    d.free();
    await waitFor(() => u.status().storage!.state === 'ok' && u.status().storage!.memory.held === 0, 10_000, 'the memory buffer moved into the outbox');
    await broker.restart();
    await u.drain(30_000);
    await waitFor(() => accepted.every((id) => rx.alerts.includes(id)), 20_000, 'every accepted alert at the broker');
    expect(new Set(rx.alerts).size).toBe(accepted.length);
    await rx.client.endAsync();
  });

  it('broker returns while full: every alert is delivered, failed PUBACK deletes are kept (not resent) and done once space returns', async () => {
    const rx = await receiver(broker.url, 'rx-full-2');
    await broker.stop();
    const u = uplink('puback', { summaryPeriodMs: 3_600_000 });
    u.start();
    for (let i = 0; i < 300; i++) alert(u, `p-${i}`);
    expect(u.status().queued).toBe(300);
    // Give the WAL's pre-allocated frames back first: else SQLite would keep deleting into space it already holds.
    truncateWal(join(d.path, 'puback', 'outbox.sqlite'));
    d.fill();
    await broker.restart();
    await waitFor(() => new Set(rx.alerts).size === 300, 30_000, 'all 300 alerts at the broker while the disk is full');
    await waitFor(() => u.status().storage!.state === 'disk-full', 10_000, 'the failed deletes reported as disk-full');
    const s = u.status();
    expect(s.storage!.pendingDeletes).toBeGreaterThan(0);
    expect(s.queued).toBe(300 - (s.acknowledged - s.storage!.pendingDeletes) );
    // The kept messages are not sent again while their deletes wait.
    await new Promise((r) => setTimeout(r, 1500));
    expect(rx.alerts.length).toBe(300);

    d.free();
    await waitFor(() => u.status().queued === 0 && u.status().storage!.state === 'ok', 10_000, 'the deletes done once space is back');
    expect(u.status().storage!.pendingDeletes).toBe(0);
    await rx.client.endAsync();
  });

  it('opens on a full disk without throwing, runs from memory, and opens the outbox once space returns', async () => {
    const rx = await receiver(broker.url, 'rx-full-3');
    d.fill();
    const u = uplink(`start-${n++}`, { summaryPeriodMs: 3_600_000 });
    expect(u.status().storage!.state).toBe('disk-full');
    u.start();
    for (let i = 0; i < 20; i++) expect(alert(u, `s-${i}`)).toBeUndefined(); // held, not stored yet
    expect(u.status().queued).toBe(20);
    await new Promise((r) => setTimeout(r, 1500)); // a few retries on the full disk
    expect(u.status().storage!.state).toBe('disk-full');
    d.free();
    await u.drain(20_000);
    expect(u.status().storage!.state).toBe('ok');
    await waitFor(() => new Set(rx.alerts).size === 20, 10_000, 'the 20 alerts');
    await rx.client.endAsync();
  });

  it('broker up while full: alerts go out from memory with seqs continuing the outbox\'s, never reused after space returns', async () => {
    const seqs = new Map<string, number>();
    const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'rx-full-mem' });
    client.on('message', (topic, payload) => {
      const b = JSON.parse(payload.toString()) as { seq: number; alert?: { id: string } };
      if (topic.endsWith('/alerts')) seqs.set(b.alert!.id, b.seq);
    });
    await client.subscribeAsync('telltale/site-f/mem/alerts', { qos: 1 });
    const u = uplink('mem', { summaryPeriodMs: 3_600_000 });
    u.start();
    await waitFor(() => u.status().connected, 10_000, 'connected');
    for (let i = 0; i < 10; i++) alert(u, `m-${i}`);
    await u.drain(10_000);
    truncateWal(join(d.path, 'mem', 'outbox.sqlite'));
    d.fill();
    for (let i = 10; i < 60; i++) alert(u, `m-${i}`);
    // Sent while the disk is still full.
    await waitFor(() => seqs.size === 60, 10_000, 'the 50 alerts of the full period at the broker');
    await waitFor(() => u.status().queued === 0, 5000, 'memory emptied by the PUBACKs');
    expect(u.status().storage!.state).toBe('disk-full');
    d.free();
    for (let i = 60; i < 70; i++) { alert(u, `m-${i}`); await new Promise((r) => setTimeout(r, 150)); }
    await u.drain(10_000);
    await waitFor(() => seqs.size === 70, 10_000, 'all 70 alerts');
    expect(u.status().storage!.state).toBe('ok');
    const ordered = Array.from({ length: 70 }, (_, i) => seqs.get(`m-${i}`)!);
    expect(new Set(ordered).size).toBe(70); // no seq given twice
    expect([...ordered].sort((a, b) => a - b)).toEqual(ordered); // and in order
    await client.endAsync();
  });

  it('Sparkplug B on a full disk: the session opens without its state file, connects, and sends once space returns', async () => {
    const got: string[] = [];
    const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'rx-full-sp' });
    client.on('message', (topic) => got.push(topic));
    await client.subscribeAsync('spBv1.0/#', { qos: 1 });
    d.fill();
    mkdirSync(join(d.path, 'sp'), { recursive: true });
    const u = new CloudUplink({
      config: resolveUplinkConfig({ url: broker.url, clientId: 'gw-sp-full', reconnectPeriodMs: 200, summaryPeriodMs: 3_600_000 }),
      site: 'site-f', gateway: 'gw-sp', outboxPath: join(d.path, 'sp', 'outbox.sqlite'), sparkplug: {},
    });
    open.push(u);
    u.start(); // the reconnect handler persists bdSeq: must not throw on the full disk
    await waitFor(() => u.status().connected, 10_000, 'connected');
    await waitFor(() => got.some((t) => t.includes('/NBIRTH/')), 10_000, 'the NBIRTH');
    alert(u, 'sp-1');
    d.free();
    await u.drain(20_000);
    await waitFor(() => got.some((t) => t.includes('/DDATA/')), 10_000, 'the alert as DDATA');
    await client.endAsync();
  });
});
