import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IPoint } from 'influx';
import { DatabaseSync } from 'node:sqlite';
import { DiskQueue } from '../../../gateway/outputs/influx/disk-queue.ts';

const pts = (n: number, m: string, start = 0): IPoint[] =>
  Array.from({ length: n }, (_, i) => ({ measurement: m, fields: { value: start + i }, timestamp: start + i }));

describe('DiskQueue', () => {
  const dirs: string[] = [];
  const open = (max: number) => {
    const dir = mkdtempSync(join(tmpdir(), 'telltale-dq-'));
    dirs.push(dir);
    return { q: new DiskQueue(join(dir, 'q.sqlite'), max), path: join(dir, 'q.sqlite') };
  };
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

  it('returns batches oldest first and removes them on ack', () => {
    const { q } = open(1000);
    q.push('samples', pts(3, 'samples', 0));
    q.push('alerts', pts(1, 'alerts', 10));
    q.push('samples', pts(2, 'samples', 20));
    const seen: number[] = [];
    for (let b = q.peek(); b; b = q.peek()) {
      seen.push(b.points[0].timestamp as number);
      q.ack(b.id);
    }
    expect(seen).toEqual([0, 10, 20]);
    expect(q.size).toBe(0);
    q.close();
  });

  it('keeps its batches across a reopen', () => {
    const { q, path } = open(1000);
    q.push('scores', pts(4, 'scores'));
    q.close();
    const again = new DiskQueue(path, 1000);
    expect(again.size).toBe(4);
    expect(again.peek()?.kind).toBe('scores');
    again.close();
  });

  it('drops the oldest raw samples first when full and counts them', () => {
    const { q } = open(10);
    q.push('samples', pts(4, 'samples', 0));
    q.push('scores', pts(4, 'scores', 100));
    q.push('samples', pts(4, 'samples', 200)); // 12 > 10: the oldest samples batch goes
    expect(q.size).toBe(8);
    expect(q.dropped.samples).toBe(4);
    expect(q.peek()?.kind).toBe('scores');
    q.close();
  });

  it('never drops alerts, even past the bound', () => {
    const { q } = open(10);
    q.push('alerts', pts(8, 'alerts', 0));
    q.push('scores', pts(2, 'scores', 50));
    expect(q.push('alerts', pts(5, 'alerts', 100))).toBe(true);
    expect(q.dropped.alerts).toBe(0);
    expect(q.dropped.scores).toBe(2);
    expect(q.size).toBe(13);
  });

  it('drops an incoming raw batch rather than a higher kind', () => {
    const { q } = open(10);
    q.push('scores', pts(8, 'scores', 0));
    expect(q.push('samples', pts(5, 'samples', 100))).toBe(false);
    expect(q.dropped.samples).toBe(5);
    expect(q.dropped.scores).toBe(0);
    expect(q.size).toBe(8);
    q.close();
  });
  it('bounds what it holds by stored values (fields), so one wide sample point weighs as much as its values', () => {
    const { q } = open(250);
    const wide = (ts: number): IPoint => ({ measurement: 'samples', fields: Object.fromEntries(Array.from({ length: 100 }, (_, k) => [`t${k}`, k])), timestamp: ts });
    q.push('samples', [wide(0)]);
    q.push('samples', [wide(1)]);
    expect([q.size, q.values]).toEqual([2, 200]);
    q.push('samples', [wide(2)]); // 300 values > 250: the oldest point goes
    expect([q.size, q.values, q.dropped.samples]).toEqual([2, 200, 1]);
    expect(q.peek()?.points[0].timestamp).toBe(1);
    q.close();
  });

  it('opens a queue file written before values were counted, taking one value per point', () => {
    const { q: fresh, path } = open(10);
    fresh.close();
    const db = new DatabaseSync(path);
    db.exec('DROP TABLE IF EXISTS influx_batches');
    db.exec('CREATE TABLE influx_batches (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, rank INTEGER NOT NULL, points INTEGER NOT NULL, body TEXT NOT NULL)');
    db.prepare('INSERT INTO influx_batches (kind, rank, points, body) VALUES (?, ?, ?, ?)').run('samples', 0, 3, JSON.stringify(pts(3, 'samples')));
    db.close();
    const q = new DiskQueue(path, 10);
    expect([q.size, q.values]).toEqual([3, 3]);
    const b = q.peek()!;
    expect(b.points).toHaveLength(3);
    q.ack(b.id);
    expect([q.size, q.values, q.batches]).toEqual([0, 0, 0]);
    q.close();
  });
});
