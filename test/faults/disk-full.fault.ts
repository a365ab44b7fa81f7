/**
 * Disk full under the outbox: the gateway stand-in's data dir on a 1 MiB tmpfs, broker down, so alerts pile up
 * until SQLite cannot write. They then wait in the uplink's memory buffer (bounded here to 100 messages); past it
 * alerts must be refused (not silently lost), the process must stay up and report disk-full, and once the tmpfs
 * is grown and the broker is back every accepted alert must arrive exactly once after dedupe.
 * Needs mount(8) as root (true in this sandbox); elsewhere the test is skipped and says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import mqtt, { type MqttClient } from 'mqtt';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { startInfluxd, type Influxd } from '../support/influxd.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'telltale-diskfull-'));
const mnt = join(dir, 'small');
mkdirSync(mnt);
let canMount = true;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'ignore' });
} catch {
  canMount = false;
  console.warn('disk-full fault skipped: cannot mount a tmpfs here (needs root)');
}

describe.skipIf(!canMount)('outbox on a full disk', () => {
  let broker: Mosquitto;
  let influx: Influxd;
  let rx: MqttClient;
  let gw: Spawned | undefined;
  const ids: string[] = [];
  beforeAll(async () => {
    [broker, influx] = await Promise.all([startMosquitto({ persistence: true }), startInfluxd()]);
    rx = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'rx-diskfull', clean: false, reconnectPeriod: 200, properties: { sessionExpiryInterval: 3600 } });
    rx.on('message', (topic, payload) => {
      if (topic.endsWith('/alerts')) ids.push((JSON.parse(payload.toString()) as { alert: { id: string } }).alert.id);
    });
    await rx.subscribeAsync('telltale/#', { qos: 1 });
  });
  afterAll(async () => {
    await gw?.stop();
    await rx?.endAsync();
    await Promise.all([broker?.dispose(), influx?.dispose()]);
    if (canMount) execFileSync('umount', ['-l', mnt]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses alerts while the disk is full, stays up, and delivers every accepted alert once space is back', async () => {
    await broker.stop();
    gw = spawnPeer(join(process.cwd(), 'node_modules/.bin/node'), [join(process.cwd(), 'test/faults/fixtures/gateway-driver.ts'), broker.url, influx.url, mnt, 'd', '2000'], { env: { ...process.env, DRIVER_MEMORY_CAP: '100' } });
    const p = gw;
    await waitFor(() => /^refused \d+: /m.test(p.output()), 60_000, 'the first refusal on the full disk');
    // The refusal names the real cause, not a follow-on ROLLBACK error.
    expect(/^refused \d+: (.*)$/m.exec(p.output())![1]).toMatch(/database or disk is full/);
    const port = /healthz (\d+)/.exec(p.output())![1];
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { status: string; uplink: { storage: { state: string; memory: { held: number; alerts: number; refused: number } } } };
    expect(health.status).toBe('ok');
    // Refused only once the memory buffer held 100 alerts: those were accepted and must arrive too.
    expect(health.uplink.storage).toMatchObject({ state: 'disk-full', memory: { held: 100, alerts: 100 } });
    expect(health.uplink.storage.memory.refused).toBeGreaterThan(0);

    execFileSync('mount', ['-o', 'remount,size=64m', mnt]);
    await broker.restart();
    await waitFor(() => (p.output().match(/^produced \d+$/gm) ?? []).length === 2000, 60_000, 'all 2000 alerts accepted once space is back');
    await waitFor(() => new Set(ids).size === 2000, 60_000, 'all 2000 alerts at the broker');
    expect([...new Set(ids)].sort()).toEqual(Array.from({ length: 2000 }, (_, i) => `d-${i}`).sort());
    await waitFor(() => {
      const db = new DatabaseSync(join(mnt, 'queues', 'outbox.sqlite'), { readOnly: true });
      try { return (db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n === 0; } finally { db.close(); }
    }, 20_000, 'an empty outbox file');
    expect(p.child.exitCode).toBeNull();
    console.log(`disk-full driver: 2000 alerts accepted (${health.uplink.storage.memory.held} held in memory at the first refusal, ${(p.output().match(/^refused \d+: /gm) ?? []).length} refusals retried), ${new Set(ids).size} delivered, ${ids.length - new Set(ids).size} duplicates`);
  });
});
