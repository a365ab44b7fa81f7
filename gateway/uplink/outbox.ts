/**
 * The durable outbox: every message for the cloud is stored here before it is sent and deleted only when the
 * broker acknowledges it (QoS 1 PUBACK), so a broker outage or a kill -9 of the gateway loses nothing.
 *
 * Order: alerts, then summaries, then forwarded samples, each class in seq order. seq is per gateway, monotonic and persisted.
 * Bound (maxMessages): alerts are never dropped (an alert is stored even past the bound). When a summary or a
 * forwarded sample would overflow the box, the oldest forwarded sample not in flight is dropped first (counted);
 * with none left, an incoming sample is itself dropped, and for an incoming summary the oldest half of the summaries that are not in flight are merged per asset (one summary
 * per asset spanning their periods, keeping the oldest seq and a new id); if that frees nothing, the oldest
 * summary is dropped and counted.
 */
import { randomUUID } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { inTransaction, openStore } from '../outputs/sqlite-store.ts';
import { mergeSummaries, type AssetSummary } from './summaries.ts';

/** alert: alert events; summary: per-asset summaries; sample: raw values of tags a flow asked to forward. */
export type MessageClass = 'alert' | 'summary' | 'sample';
const PRIORITY: Record<MessageClass, number> = { alert: 0, summary: 1, sample: 2 };
export const SCHEMA_VERSION = 1;

export interface OutboxMessage { seq: number; id: string; cls: MessageClass; topic: string; payload: string }

/** The envelope every payload carries, so a receiver can order and deduplicate. */
export interface Envelope { schemaVersion: number; id: string; seq: number; site: string; gateway: string; type: MessageClass; createdAt: number }

export interface OutboxStats { alerts: number; summaries: number; samples: number; inFlight: number; merged: number; dropped: number; nextSeq: number }

/** What CloudUplink needs from a store; every implementation passes test/uplink/outbox-contract.ts. */
export interface OutboxStore {
  /**
   * Stores a message; the envelope (seq, id) is assigned here, in the same transaction as the insert.
   * Returns undefined only for a forwarded sample the bound policy dropped; alerts and summaries are always stored.
   */
  put(cls: MessageClass, topic: string, body: Record<string, unknown>, asset?: string): OutboxMessage | undefined;
  /** Up to `limit` messages not already taken, alerts first, then seq order; marks them in flight. */
  take(limit: number): OutboxMessage[];
  /** Deletes a message the broker acknowledged. */
  ack(seq: number): void;
  /**
   * Deletes several acknowledged messages in one transaction (one fsync instead of one per message). If it throws
   * (disk full) nothing was deleted and the messages stay taken, so they are not sent again while the caller retries.
   */
  ackMany(seqs: readonly number[]): void;
  /** Returns a taken message to the queue (publish failed); it will be taken again, in its place. */
  release(seq: number): void;
  /**
   * Optional (disk full): stores a message whose envelope was already given out — sent from memory while the store
   * could not write, not acknowledged — keeping its seq and id, and moves the seq counter past it.
   */
  putStored?(msg: OutboxMessage, asset?: string): void;
  /** Optional (disk full): moves the seq counter to at least `next` (seqs given out from memory are never reused). */
  reserveSeq?(next: number): void;
  /** Messages stored (in flight included). */
  size(): number;
  stats(): OutboxStats;
  close(): void;
}

export interface SqliteOutboxOptions { path: string; maxMessages: number; site: string; gateway: string; now?: () => number }

interface Row { seq: number; id: string; cls: MessageClass; topic: string; payload: string; asset: string | null }

export class SqliteOutbox implements OutboxStore {
  private readonly db: DatabaseSync;
  private readonly opts: SqliteOutboxOptions;
  private readonly inFlight = new Set<number>();
  private readonly st: Record<'insert' | 'take' | 'del' | 'delReturning' | 'getSeq' | 'setSeq' | 'count' | 'oldestSample' | 'oldestSummaries' | 'update', StatementSync>;
  private counts: Record<MessageClass, number> = { alert: 0, summary: 0, sample: 0 };
  private merged = 0;
  private dropped = 0;

  constructor(opts: SqliteOutboxOptions) {
    this.opts = opts;
    // FULL: an alert acknowledged to the pipeline must survive a power cut, not only a killed process.
    this.db = openStore(opts.path, 'full');
    this.db.exec(`CREATE TABLE IF NOT EXISTS outbox (
      seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, cls TEXT NOT NULL, priority INTEGER NOT NULL,
      topic TEXT NOT NULL, payload TEXT NOT NULL, asset TEXT)`);
    this.db.exec('CREATE INDEX IF NOT EXISTS outbox_order ON outbox (priority, seq)');
    this.db.exec('CREATE TABLE IF NOT EXISTS outbox_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)');
    this.db.exec(`INSERT OR IGNORE INTO outbox_meta (key, value) VALUES ('next_seq', 1)`);
    this.st = {
      insert: this.db.prepare('INSERT INTO outbox (seq, id, cls, priority, topic, payload, asset) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      // Enough rows to skip the ones in flight; the window is small.
      take: this.db.prepare('SELECT seq, id, cls, topic, payload FROM outbox ORDER BY priority, seq LIMIT ?'),
      del: this.db.prepare('DELETE FROM outbox WHERE seq = ?'),
      delReturning: this.db.prepare('DELETE FROM outbox WHERE seq = ? RETURNING cls'),
      getSeq: this.db.prepare(`SELECT value FROM outbox_meta WHERE key = 'next_seq'`),
      setSeq: this.db.prepare(`UPDATE outbox_meta SET value = ? WHERE key = 'next_seq'`),
      count: this.db.prepare('SELECT cls, COUNT(*) AS n FROM outbox GROUP BY cls'),
      oldestSample: this.db.prepare(`SELECT seq FROM outbox WHERE cls = 'sample' ORDER BY seq LIMIT ?`),
      oldestSummaries: this.db.prepare(`SELECT seq, id, cls, topic, payload, asset FROM outbox WHERE cls = 'summary' ORDER BY seq LIMIT ?`),
      update: this.db.prepare('UPDATE outbox SET id = ?, payload = ? WHERE seq = ?'),
    };
    this.recount();
  }

  /** Counts kept in memory mirror the table; after a failed transaction (disk full) they are read back from it. */
  private recount(): void {
    this.counts = { alert: 0, summary: 0, sample: 0 };
    for (const r of this.st.count.all() as { cls: MessageClass; n: number }[]) this.counts[r.cls] = Number(r.n);
  }

  put(cls: MessageClass, topic: string, body: Record<string, unknown>, asset?: string): OutboxMessage | undefined {
    const { merged, dropped } = this;
    try {
      return this.insert(cls, topic, body, asset);
    } catch (err) {
      // Rolled back (disk full): nothing was merged, dropped or stored.
      this.merged = merged;
      this.dropped = dropped;
      this.recount();
      throw err;
    }
  }

  private insert(cls: MessageClass, topic: string, body: Record<string, unknown>, asset?: string): OutboxMessage | undefined {
    return inTransaction(this.db, () => {
      if (cls !== 'alert' && this.size() >= this.opts.maxMessages && !this.dropOldestSample()) {
        if (cls === 'sample') {
          this.dropped += 1;
          return undefined;
        }
        this.compactSummaries();
      }
      const seq = Number((this.st.getSeq.get() as { value: number }).value);
      const id = randomUUID();
      const envelope: Envelope = { schemaVersion: SCHEMA_VERSION, id, seq, site: this.opts.site, gateway: this.opts.gateway, type: cls, createdAt: (this.opts.now ?? Date.now)() };
      const payload = JSON.stringify({ ...envelope, ...body });
      this.st.insert.run(seq, id, cls, PRIORITY[cls], topic, payload, asset ?? null);
      this.st.setSeq.run(seq + 1);
      this.counts[cls] += 1;
      return { seq, id, cls, topic, payload };
    });
  }

  take(limit: number): OutboxMessage[] {
    if (limit <= 0) return [];
    const rows = this.st.take.all(limit + this.inFlight.size) as unknown as Row[];
    const out: OutboxMessage[] = [];
    for (const r of rows) {
      const seq = Number(r.seq);
      if (this.inFlight.has(seq)) continue;
      this.inFlight.add(seq);
      out.push({ seq, id: r.id, cls: r.cls, topic: r.topic, payload: r.payload });
      if (out.length === limit) break;
    }
    return out;
  }

  ack(seq: number): void {
    this.ackMany([seq]);
  }

  ackMany(seqs: readonly number[]): void {
    if (seqs.length === 0) return;
    try {
      inTransaction(this.db, () => {
        for (const seq of seqs) {
          const row = this.st.delReturning.get(seq) as { cls: MessageClass } | undefined;
          if (row) this.counts[row.cls] -= 1;
        }
      });
    } catch (err) {
      // Rolled back (disk full): the messages stay stored and in flight, so take() does not hand them out again
      // while the caller retries the delete.
      this.recount();
      throw err;
    }
    for (const seq of seqs) this.inFlight.delete(seq);
  }

  putStored(msg: OutboxMessage, asset?: string): void {
    try {
      inTransaction(this.db, () => {
        this.st.insert.run(msg.seq, msg.id, msg.cls, PRIORITY[msg.cls], msg.topic, msg.payload, asset ?? null);
        const next = Number((this.st.getSeq.get() as { value: number }).value);
        if (msg.seq >= next) this.st.setSeq.run(msg.seq + 1);
      });
    } catch (err) {
      this.recount();
      throw err;
    }
    this.counts[msg.cls] += 1;
  }

  reserveSeq(next: number): void {
    const cur = Number((this.st.getSeq.get() as { value: number }).value);
    if (next > cur) this.st.setSeq.run(next);
  }

  release(seq: number): void {
    this.inFlight.delete(seq);
  }

  size(): number {
    return this.counts.alert + this.counts.summary + this.counts.sample;
  }

  stats(): OutboxStats {
    return {
      alerts: this.counts.alert,
      summaries: this.counts.summary,
      samples: this.counts.sample,
      inFlight: this.inFlight.size,
      merged: this.merged,
      dropped: this.dropped,
      nextSeq: Number((this.st.getSeq.get() as { value: number }).value),
    };
  }

  close(): void {
    this.inFlight.clear();
    if (this.db.isOpen) this.db.close();
  }

  /** Drops the oldest forwarded sample that is not in flight; false if there is none. */
  private dropOldestSample(): boolean {
    const rows = this.st.oldestSample.all(this.inFlight.size + 1) as { seq: number }[];
    const victim = rows.find((r) => !this.inFlight.has(Number(r.seq)));
    if (!victim) return false;
    this.st.del.run(Number(victim.seq));
    this.counts.sample -= 1;
    this.dropped += 1;
    return true;
  }

  /** Merges the oldest half of the summaries per asset; drops the oldest one if nothing merges. */
  private compactSummaries(): void {
    const half = Math.max(2, Math.floor(this.counts.summary / 2));
    const rows = (this.st.oldestSummaries.all(half + this.inFlight.size) as unknown as Row[]).filter((r) => !this.inFlight.has(Number(r.seq))).slice(0, half);
    const byAsset = new Map<string, Row[]>();
    for (const r of rows) {
      const key = r.asset ?? '';
      const list = byAsset.get(key) ?? byAsset.set(key, []).get(key)!;
      list.push(r);
    }
    let freed = 0;
    for (const list of byAsset.values()) {
      if (list.length < 2) continue;
      const parsed = list.map((r) => JSON.parse(r.payload) as Envelope & { summary: AssetSummary });
      const summary = parsed.slice(1).reduce((acc, p) => mergeSummaries(acc, p.summary), parsed[0].summary);
      const id = randomUUID();
      this.st.update.run(id, JSON.stringify({ ...parsed[0], id, summary }), Number(list[0].seq));
      for (const r of list.slice(1)) this.st.del.run(Number(r.seq));
      freed += list.length - 1;
    }
    this.merged += freed;
    if (freed === 0 && rows.length > 0) {
      this.st.del.run(Number(rows[0].seq));
      this.dropped += 1;
      freed = 1;
    }
    this.counts.summary -= freed;
  }
}
