/**
 * The InfluxDB output's disk queue: batches that could not be written wait here, oldest first, until InfluxDB
 * answers again.
 *
 * Bound policy (maxPoints counts points, not batches): when a new batch would overflow the queue, the oldest
 * batches of the lowest kind are dropped first — raw samples, then features, scores, health — but only kinds
 * ranked at or below the incoming batch; if nothing may go, the incoming batch itself is dropped. Alerts are
 * never dropped: an alert batch is stored even past the bound. Every dropped point is counted per kind.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { deflateRawSync, inflateRawSync, constants } from 'node:zlib';
import type { IPoint } from 'influx';
import { inTransaction, openStore } from '../sqlite-store.ts';
import { KIND_RANK, KINDS, type TsdbKind } from './records.ts';

/**
 * Batches are stored as deflated JSON: points of one batch repeat their measurement and tags, so level 1 deflate
 * takes them from ~200 to ~20 bytes a point on disk at a few ms per 5000-point batch (only while InfluxDB is down).
 */
function pack(points: IPoint[]): Uint8Array {
  return deflateRawSync(JSON.stringify(points), { level: constants.Z_BEST_SPEED });
}

function unpack(body: string | Uint8Array): IPoint[] {
  return JSON.parse(typeof body === 'string' ? body : inflateRawSync(body).toString('utf8')) as IPoint[];
}

export interface QueuedBatch { id: number; kind: TsdbKind; points: IPoint[] }

export class DiskQueue {
  readonly path: string;
  readonly maxPoints: number;
  /** Points dropped by the bound policy since this queue was opened, per kind. */
  readonly dropped: Record<TsdbKind, number> = { samples: 0, features: 0, scores: 0, health: 0, drift: 0, alerts: 0 };
  private readonly db: DatabaseSync;
  private readonly insert: StatementSync;
  private readonly head: StatementSync;
  private readonly remove: StatementSync;
  private readonly victim: StatementSync;
  private total: number;
  private rows: number;

  constructor(path: string, maxPoints: number) {
    this.path = path;
    this.maxPoints = maxPoints;
    // NORMAL: in WAL mode a killed gateway loses nothing; only a power cut can lose the last commits of raw data.
    this.db = openStore(path, 'normal');
    this.db.exec(`CREATE TABLE IF NOT EXISTS influx_batches (
      id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, rank INTEGER NOT NULL, points INTEGER NOT NULL, body TEXT NOT NULL)`);
    this.db.exec('CREATE INDEX IF NOT EXISTS influx_batches_rank ON influx_batches (rank, id)');
    this.insert = this.db.prepare('INSERT INTO influx_batches (kind, rank, points, body) VALUES (?, ?, ?, ?)');
    this.head = this.db.prepare('SELECT id, kind, body FROM influx_batches ORDER BY id LIMIT 1');
    this.remove = this.db.prepare('DELETE FROM influx_batches WHERE id = ?');
    this.victim = this.db.prepare('SELECT id, kind, points FROM influx_batches WHERE rank <= ? AND rank < ? ORDER BY rank, id LIMIT 1');
    const s = this.db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(points), 0) AS p FROM influx_batches').get() as { n: number; p: number };
    this.rows = Number(s.n);
    this.total = Number(s.p);
  }

  /** Points waiting. */
  get size(): number { return this.total; }
  /** Batches waiting. */
  get batches(): number { return this.rows; }

  /** Stores a batch at the tail, applying the bound policy. Returns false if the batch itself was dropped. */
  push(kind: TsdbKind, points: IPoint[]): boolean {
    if (points.length === 0) return true;
    const rank = KIND_RANK[kind];
    return inTransaction(this.db, () => {
      while (this.total + points.length > this.maxPoints) {
        const v = this.victim.get(rank, KIND_RANK.alerts) as { id: number; kind: TsdbKind; points: number } | undefined;
        if (!v) break;
        this.remove.run(v.id);
        this.rows -= 1;
        this.total -= Number(v.points);
        this.dropped[v.kind] += Number(v.points);
      }
      if (this.total + points.length > this.maxPoints && kind !== 'alerts') {
        this.dropped[kind] += points.length;
        return false;
      }
      this.insert.run(kind, rank, points.length, pack(points));
      this.rows += 1;
      this.total += points.length;
      return true;
    });
  }

  /** The oldest batch, without removing it. */
  peek(): QueuedBatch | undefined {
    const row = this.head.get() as { id: number; kind: string; body: string | Uint8Array } | undefined;
    if (!row) return undefined;
    if (!(KINDS as readonly string[]).includes(row.kind)) throw new Error(`disk queue ${this.path}: row ${row.id} has unknown kind "${row.kind}"`);
    return { id: Number(row.id), kind: row.kind as TsdbKind, points: unpack(row.body) };
  }

  /** Removes a batch once InfluxDB has accepted (or finally rejected) it. */
  ack(id: number): void {
    const row = this.db.prepare('SELECT points FROM influx_batches WHERE id = ?').get(id) as { points: number } | undefined;
    if (!row) return;
    this.remove.run(id);
    this.rows -= 1;
    this.total -= Number(row.points);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
