/**
 * TsdbWriter on a really full disk (a small tmpfs filled to the last byte; needs root to mount, else skipped) with
 * a real influxd: the flush timer's disk-queue push, the deletes after a drain and opening the queue all meet
 * SQLITE_FULL / ENOSPC. Nothing may throw out of a timer (an uncaught exception fails the vitest run); points wait in
 * a bounded memory buffer with drops counted, and every point accepted reaches InfluxDB once it and the disk are back.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { startInfluxd, type Influxd } from '../../support/influxd.ts';
import { waitFor } from '../../support/process.ts';
import { mountSmallDisk, type SmallDisk } from '../../faults/fixtures/small-disk.ts';
import { TsdbWriter, resolveTsdbConfig } from '../../../gateway/outputs/influx/index.ts';

const disk = mountSmallDisk('16m', 'telltale-tsdb-full-');
if (!disk) console.warn('tsdb disk-full tests skipped: cannot mount a tmpfs here (needs root)');
const T0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;

async function count(influxd: Influxd, db: string, q: string): Promise<number> {
  const r = await influxd.query(q, db);
  const v = r.results[0]?.series?.[0]?.values?.[0]?.[1];
  return typeof v === 'number' ? v : 0;
}

function truncateWal(path: string): void {
  const db = new DatabaseSync(path);
  try { db.exec('PRAGMA wal_checkpoint(TRUNCATE)'); } finally { db.close(); }
}

describe.skipIf(!disk)('TsdbWriter on a full disk', () => {
  const d = disk as SmallDisk;
  let influxd: Influxd;
  const open: TsdbWriter[] = [];
  beforeAll(async () => { influxd = await startInfluxd(); });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((w) => w.close()));
    d.free();
    for (const e of readdirSync(d.path)) rmSync(join(d.path, e), { recursive: true, force: true });
    await influxd.restart().catch(() => undefined);
  });
  afterAll(async () => {
    await influxd?.dispose();
    d.dispose();
  });

  const writer = (db: string, memoryMaxValues?: number) => {
    mkdirSync(join(d.path, db), { recursive: true });
    const w = new TsdbWriter({
      config: resolveTsdbConfig({ url: `${influxd.url}/${db}`, batchSize: 50, flushIntervalMs: 50, requestTimeoutMs: 2000 }),
      site: 'plant-f', gateway: 'gw-f', queuePath: join(d.path, db, 'influx.sqlite'), ...(memoryMaxValues ? { memoryMaxValues } : {}),
    });
    open.push(w);
    return w;
  };
  const scores = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ kind: 'scores' as const, asset: 'pump-1', ts: T0 + from + i, score: from + i }));
  const alert = (i: number) => ({ kind: 'alerts' as const, asset: 'pump-1', ts: T0 + i, alertId: `al-${i}`, state: 'open' as const });

  it('InfluxDB down while full: the flush timer holds batches in memory (bounded, alerts kept, drops counted); all kept points arrive after space and InfluxDB return', async () => {
    await influxd.stop();
    const w = writer('down_db', 600);
    await w.connect();
    await w.write(scores(0, 100));
    w.flush();
    await waitFor(() => w.metrics().batchesQueued > 0, 5000, 'batches on disk');
    truncateWal(join(d.path, 'down_db', 'influx.sqlite'));
    d.fill();
    // The flush timer (every 50 ms) now pushes into a full disk queue.
    for (let i = 0; i < 40; i++) {
      await w.write([...scores(1000 + i * 50, 50), alert(i)]);
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(() => w.metrics().storage!.state === 'disk-full', 5000, 'the disk-full state');
    const m = w.metrics();
    expect(m.storage!.lastError).toMatch(/database or disk is full/);
    expect(m.storage!.memory.values).toBeLessThanOrEqual(600);
    expect(m.storage!.memory.dropped.scores).toBeGreaterThan(0);
    expect(m.pointsDropped.alerts).toBe(0);
    expect(m.pointsDropped.scores).toBe(m.storage!.memory.dropped.scores);

    d.free();
    await waitFor(() => w.metrics().storage!.state === 'ok' && w.metrics().storage!.memory.points === 0, 10_000, 'memory moved into the disk queue');
    await influxd.restart();
    await w.drain(30_000);
    expect(await count(influxd, 'down_db', 'SELECT count(alert_id) FROM summaries.alerts')).toBe(40);
    const stored = await count(influxd, 'down_db', 'SELECT count(score) FROM raw.scores');
    expect(stored + w.metrics().pointsDropped.scores).toBe(100 + 40 * 50);
  });

  it('InfluxDB returns while full: queued batches drain, failed deletes are retried without writing twice, memory goes straight to InfluxDB', async () => {
    await influxd.stop();
    const w = writer('back_db');
    await w.connect();
    await w.write(scores(0, 500));
    w.flush();
    await waitFor(() => w.metrics().batchesQueued === 10, 5000, '10 batches on disk');
    truncateWal(join(d.path, 'back_db', 'influx.sqlite'));
    d.fill();
    await w.write(scores(500, 500)); // disk full: into memory
    w.flush();
    await influxd.restart();
    await waitFor(async () => (await count(influxd, 'back_db', 'SELECT count(score) FROM raw.scores')) === 1000, 30_000, '1000 scores in InfluxDB while the disk is full');
    const m = w.metrics();
    expect(m.storage!.state).toBe('disk-full');
    expect(m.storage!.pendingDeletes).toBeGreaterThan(0);
    const written = m.pointsWritten;
    await new Promise((r) => setTimeout(r, 1500));
    expect(w.metrics().pointsWritten).toBe(written); // nothing written twice while the deletes wait
    d.free();
    await waitFor(() => w.metrics().storage!.state === 'ok' && w.metrics().batchesQueued === 0, 10_000, 'the deletes done');
    expect(w.metrics().pointsWritten).toBe(1000);
  });

  it('opens on a full disk without throwing and writes from memory; the queue opens once space returns', async () => {
    d.fill();
    const w = writer('start_db');
    expect(w.metrics().storage!.state).toBe('disk-full');
    await w.connect();
    await w.write(scores(0, 120));
    await w.drain(10_000);
    expect(await count(influxd, 'start_db', 'SELECT count(score) FROM raw.scores')).toBe(120);
    await influxd.stop();
    await w.write([alert(1)]);
    w.flush();
    await waitFor(() => w.metrics().storage!.memory.points === 1, 5000, 'the alert held in memory');
    d.free();
    await waitFor(() => w.metrics().storage!.state === 'ok' && w.metrics().storage!.memory.points === 0, 10_000, 'the queue opened');
    await influxd.restart();
    await w.drain(20_000);
    expect(await count(influxd, 'start_db', 'SELECT count(alert_id) FROM summaries.alerts')).toBe(1);
  });
});
