/**
 * The InfluxDB output's disk queue: batches that could not be written wait here, oldest first, until InfluxDB
 * answers again.
 *
 * Bound policy (maxValues counts stored values — the fields of every point — not points or batches: a raw-sample
 * point holds a whole device poll, so values are what the disk fills with): when a new batch would overflow the queue, the oldest
 * batches of the lowest kind are dropped first — raw samples, then features, scores, health — but only kinds
 * ranked at or below the incoming batch; if nothing may go, the incoming batch itself is dropped. Alerts are
 * never dropped: an alert batch is stored even past the bound. Every dropped point is counted per kind.
 *
 * On a full disk push() throws with nothing changed (the transaction rolls back, the counts are read back), and an
 * ack() whose delete fails keeps the batch's id to delete later: peek() skips it, so it is not written twice.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { deflateRawSync, inflateRawSync, constants } from 'node:zlib';
import type { IPoint } from 'influx';
import { inTransaction, openStore } from '../sqlite-store.ts';
import { KIND_RANK, KINDS, type TsdbKind } from './records.ts';

/**
 * Batches are stored as deflated JSON: points of one batch repeat their measurement, tags and field names, so level 1
 * deflate takes a narrow point from ~200 to ~20 bytes and a 100-tag sample point to 6–12 bytes a value on disk
 * (only while InfluxDB is down).
 */
function pack(points: IPoint[]): Uint8Array {
  return deflateRawSync(JSON.stringify(points), { level: constants.Z_BEST_SPEED });
}

function unpack(body: string | Uint8Array): IPoint[] {
  return JSON.parse(typeof body === 'string' ? body : inflateRawSync(body).toString('utf8')) as IPoint[];
}

export interface QueuedBatch { id: number; kind: TsdbKind; points: IPoint[] }

/** Values a point stores: one per field. */
export const fieldCount = (p: IPoint): number => (p.fields ? Object.keys(p.fields).length : 0);

/** Values a batch stores. */
export function valuesOf(points: readonly IPoint[]): number {
  let n = 0;
  for (const p of points) n += fieldCount(p);
  return n;
}

export class DiskQueue {
  readonly path: string;
  readonly maxValues: number;
  /** Points dropped by the bound policy since this queue was opened, per kind. */
  readonly dropped: Record<TsdbKind, number> = { samples: 0, features: 0, scores: 0, health: 0, drift: 0, alerts: 0 };
  private readonly db: DatabaseSync;
  private readonly insert: StatementSync;
  private readonly head: StatementSync;
  private readonly remove: StatementSync;
  private readonly victim: StatementSync;
  private readonly count: StatementSync;
  private readonly byId: StatementSync;
  private points = 0;
  private total = 0;
  private rows = 0;
  /** Batches written to InfluxDB whose delete failed (disk full), oldest first: deleted at the next ack or retryAcks(). */
  private readonly unremoved: number[] = [];
  /** Why the last delete failed (until one succeeds). */
  ackError: Error | undefined;

  constructor(path: string, maxValues: number) {
    this.path = path;
    this.maxValues = maxValues;
    // NORMAL: in WAL mode a killed gateway loses nothing; only a power cut can lose the last commits of raw data.
    this.db = openStore(path, 'normal');
    this.db.exec(`CREATE TABLE IF NOT EXISTS influx_batches (
      id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, rank INTEGER NOT NULL, points INTEGER NOT NULL, body TEXT NOT NULL,
      vals INTEGER NOT NULL DEFAULT 0)`);
    // Queues written before the bound counted values held one value per point: their vals are their points.
    const cols = this.db.prepare('PRAGMA table_info(influx_batches)').all() as { name: string }[];
    if (!cols.some((c) => c.name === 'vals')) {
      inTransaction(this.db, () => {
        this.db.exec('ALTER TABLE influx_batches ADD COLUMN vals INTEGER NOT NULL DEFAULT 0');
        this.db.exec('UPDATE influx_batches SET vals = points');
      });
    }
    this.db.exec('CREATE INDEX IF NOT EXISTS influx_batches_rank ON influx_batches (rank, id)');
    this.insert = this.db.prepare('INSERT INTO influx_batches (kind, rank, points, vals, body) VALUES (?, ?, ?, ?, ?)');
    this.head = this.db.prepare('SELECT id, kind, body FROM influx_batches WHERE id > ? ORDER BY id LIMIT 1');
    this.remove = this.db.prepare('DELETE FROM influx_batches WHERE id = ?');
    this.victim = this.db.prepare('SELECT id, kind, points, vals FROM influx_batches WHERE rank <= ? AND rank < ? ORDER BY rank, id LIMIT 1');
    this.count = this.db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(points), 0) AS p, COALESCE(SUM(vals), 0) AS v FROM influx_batches');
    this.byId = this.db.prepare('SELECT points, vals FROM influx_batches WHERE id = ?');
    this.recount();
  }

  /** The counts kept in memory mirror the table; after a failed transaction (disk full) they are read back from it. */
  private recount(): void {
    const s = this.count.get() as { n: number; p: number; v: number };
    this.rows = Number(s.n);
    this.points = Number(s.p);
    this.total = Number(s.v);
  }

  /** Points waiting. */
  get size(): number { return this.points; }
  /** Values (fields) waiting: what the bound counts. */
  get values(): number { return this.total; }
  /** Batches waiting (those written whose delete is pending included). */
  get batches(): number { return this.rows; }
  /** Batches still to write: what peek() can return. */
  get waiting(): number { return this.rows - this.unremoved.length; }
  /** Batches written whose delete failed (disk full) and is retried. */
  get pendingDeletes(): number { return this.unremoved.length; }

  /** Stores a batch at the tail, applying the bound policy. Returns false if the batch itself was dropped. */
  push(kind: TsdbKind, points: IPoint[]): boolean {
    if (points.length === 0) return true;
    const rank = KIND_RANK[kind];
    const values = valuesOf(points);
    // Drops take effect only once the transaction commits (a full disk rolls it back).
    const drops: [TsdbKind, number][] = [];
    let stored: boolean;
    try {
      stored = inTransaction(this.db, () => {
        while (this.total + values > this.maxValues) {
          const v = this.victim.get(rank, KIND_RANK.alerts) as { id: number; kind: TsdbKind; points: number; vals: number } | undefined;
          if (!v) break;
          this.remove.run(v.id);
          this.rows -= 1;
          this.points -= Number(v.points);
          this.total -= Number(v.vals);
          drops.push([v.kind, Number(v.points)]);
        }
        if (this.total + values > this.maxValues && kind !== 'alerts') {
          drops.push([kind, points.length]);
          return false;
        }
        this.insert.run(kind, rank, points.length, values, pack(points));
        this.rows += 1;
        this.points += points.length;
        this.total += values;
        return true;
      });
    } catch (err) {
      this.recount();
      throw err;
    }
    for (const [k, n] of drops) this.dropped[k] += n;
    return stored;
  }

  /** The oldest batch, without removing it. */
  peek(): QueuedBatch | undefined {
    const row = this.head.get(this.unremoved.length > 0 ? this.unremoved[this.unremoved.length - 1] : 0) as { id: number; kind: string; body: string | Uint8Array } | undefined;
    if (!row) return undefined;
    if (!(KINDS as readonly string[]).includes(row.kind)) throw new Error(`disk queue ${this.path}: row ${row.id} has unknown kind "${row.kind}"`);
    return { id: Number(row.id), kind: row.kind as TsdbKind, points: unpack(row.body) };
  }

  /**
   * Removes a batch once InfluxDB has accepted (or finally rejected) it, with any whose delete failed before. Never
   * throws: on a full disk the id is kept (peek() skips it) and false is returned; retryAcks() tries again.
   */
  ack(id: number): boolean {
    this.unremoved.push(id);
    return this.retryAcks();
  }

  /** Deletes the batches whose delete failed; true when none is left. */
  retryAcks(): boolean {
    if (this.unremoved.length === 0) return true;
    let rows = 0;
    let points = 0;
    let values = 0;
    try {
      inTransaction(this.db, () => {
        for (const id of this.unremoved) {
          const row = this.byId.get(id) as { points: number; vals: number } | undefined;
          if (!row) continue;
          this.remove.run(id);
          rows += 1;
          points += Number(row.points);
          values += Number(row.vals);
        }
      });
    } catch (err) {
      this.ackError = err as Error;
      return false;
    }
    this.ackError = undefined;
    this.unremoved.length = 0;
    this.rows -= rows;
    this.points -= points;
    this.total -= values;
    return true;
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
