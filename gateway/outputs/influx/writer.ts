/**
 * TsdbWriter: the InfluxDB 1.x output. Records are turned into points, buffered per kind and written in batches
 * (batchSize points or flushIntervalMs, whichever first). One write is in flight at a time so batches land in
 * order. When InfluxDB is down (connection refused, timeout, 5xx) batches go to the DiskQueue and drain in order
 * when it answers again; while the queue holds anything, new batches queue behind it. A 400 (malformed points)
 * is not retried: it would block the queue forever; it is counted as rejected.
 *
 * A full disk never throws out of the flush timer or the write loop: batches the disk queue cannot store wait in a
 * bounded memory buffer (HeldBatches; written straight to InfluxDB if it answers, else moved to the disk queue once
 * it stores again, retried every second), a queue file that cannot be opened (start on a full disk) is opened again
 * every second, and deletes of written batches that fail are retried without writing them twice. metrics().storage
 * says which state it is in.
 */
import { InfluxDB, type IPoint } from 'influx';
import type { Output } from '../../core/pipeline.ts';
import { DiskQueue, fieldCount, valuesOf } from './disk-queue.ts';
import { HeldBatches, type HeldBatchStats } from './held-batches.ts';
import { StorageHealth, type StorageStatus } from '../sqlite-store.ts';
import { guarded } from '../guard.ts';
import { KINDS, toPoints, type PointTags, type TsdbKind, type TsdbRecord } from './records.ts';
import { FieldTypes } from './sample-points.ts';
import { ensureSchema, KIND_RP, sampleFieldTypes } from './schema-setup.ts';
import { parseInfluxUrl, type TsdbConfig } from './config.ts';

export interface TsdbWriterOptions {
  config: TsdbConfig;
  site: string;
  gateway: string;
  /** Disk queue file (config.queue.path wins). */
  queuePath: string;
  /** Called for failures the writer handles itself (InfluxDB down, rejected batch); never throws to callers. */
  onError?: (err: Error) => void;
  /** Values held in memory while the disk queue cannot store (default MEMORY_MAX_VALUES). */
  memoryMaxValues?: number;
}

/** The disk queue's storage state and what waits in memory meanwhile. */
export interface TsdbStorageStatus extends StorageStatus {
  memory: HeldBatchStats;
  /** Batches written to InfluxDB whose delete from the disk queue failed (retried). */
  pendingDeletes: number;
}

export interface TsdbMetrics {
  connected: boolean;
  pointsWritten: number;
  /** Field values written (a raw-sample point holds one per tag plus its two counts). */
  valuesWritten: number;
  batchesWritten: number;
  pointsQueued: number;
  /** Field values of the queued points (what the disk queue's bound counts; a raw-sample point holds one per tag). */
  valuesQueued: number;
  batchesQueued: number;
  pointsRejected: number;
  pointsDropped: Record<TsdbKind, number>;
  /** Sample values stored as text under `<tag>__text` because their type differed from the tag's field. */
  samplesAsText: number;
  lastError?: string;
  /** Always given by TsdbWriter; optional for other metric sources. */
  storage?: TsdbStorageStatus;
}

interface PendingBatch { kind: TsdbKind; points: IPoint[]; queueId?: number; held?: true }

const RETRY_MIN_MS = 250;
// InfluxDB is local (same box or LAN): a retry every 2 s at most is cheap and shortens recovery after an outage.
const RETRY_MAX_MS = 2000;
/** Batches held in memory while a write is in flight before they spill to disk. */
const MEMORY_BATCHES = 8;
/** Default bound of the memory buffer used while the disk queue cannot store: 100 k values (~12 MiB of narrow points, measured). */
export const MEMORY_MAX_VALUES = 100_000;
/** How often a failing disk queue (disk full) is tried again. */
const STORE_RETRY_MS = 1000;
/**
 * Field values per write, beside batchSize points: a raw-sample point holds a whole poll (100 tags ≈ 2–3 KB of
 * line protocol), so 5000 of them would pass influxd's default 25 MB max-body-size (413, retried forever).
 * 100 k values keep a write near 2–4 MB.
 */
export const MAX_VALUES_PER_WRITE = 100_000;

function httpStatus(err: unknown): number | undefined {
  const res = (err as { res?: { statusCode?: number } }).res;
  return res?.statusCode;
}

export class TsdbWriter implements Output<TsdbRecord> {
  readonly database: string;
  private readonly influx: InfluxDB;
  private readonly cfg: TsdbConfig;
  private readonly tags: PointTags;
  /** Undefined while the queue file cannot be opened (e.g. a start on a full disk); opened again every second. */
  private queue: DiskQueue | undefined;
  private readonly queuePath: string;
  private readonly held: HeldBatches;
  private readonly storage: StorageHealth;
  private storeTimer: NodeJS.Timeout | undefined;
  private readonly onError: (err: Error) => void;
  private readonly buffers = new Map<TsdbKind, IPoint[]>();
  private readonly fieldTypes = new FieldTypes();
  private buffered = 0;
  private bufferedValues = 0;
  private readonly memory: PendingBatch[] = [];
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MIN_MS;
  private pumping: Promise<void> | undefined;
  private schemaReady = false;
  private closed = false;
  private outageReported = false;
  private readonly m = { connected: false, pointsWritten: 0, valuesWritten: 0, batchesWritten: 0, pointsRejected: 0, lastError: undefined as string | undefined };

  constructor(opts: TsdbWriterOptions) {
    this.cfg = opts.config;
    const ep = parseInfluxUrl(opts.config.url, opts.config.database);
    const username = (process.env.TELLTALE_INFLUX_USERNAME || undefined) ?? opts.config.username ?? ep.username;
    const password = (process.env.TELLTALE_INFLUX_PASSWORD || undefined) ?? opts.config.password ?? ep.password;
    this.database = ep.database;
    this.influx = new InfluxDB({
      host: ep.host,
      port: ep.port,
      protocol: ep.protocol,
      database: ep.database,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      // The disk queue is our retry; the pool's own retries would only hold the single in-flight slot longer.
      pool: { maxRetries: 0, requestTimeout: opts.config.requestTimeoutMs },
    });
    this.tags = { site: opts.site, gateway: opts.gateway };
    this.onError = opts.onError ?? (() => undefined);
    this.queuePath = opts.config.queue.path ?? opts.queuePath;
    this.held = new HeldBatches(opts.memoryMaxValues ?? MEMORY_MAX_VALUES);
    this.storage = new StorageHealth(`tsdb ${this.database}: disk queue ${this.queuePath}`, (err) => this.report(err), Date.now, this.queuePath);
    if (!this.openQueue()) this.scheduleStoreRetry();
    for (const k of KINDS) this.buffers.set(k, []);
    this.fieldTypes.onFallback = (field, stored, got) =>
      this.report(new Error(`tsdb ${this.database}: samples field "${field}" holds ${stored}s; ${got} values of that tag are stored as text in "${field}__text"`));
  }

  /** Starts the flush timer and tries to set up the schema; never fails because InfluxDB is down. */
  async connect(): Promise<void> {
    this.timer = setInterval(this.guard('flush timer', () => this.flush()), this.cfg.flushIntervalMs);
    this.timer.unref();
    await this.pump();
  }

  /** Buffers the records; a full buffer is flushed at once. Returns after buffering, not after the write. */
  async write(records: readonly TsdbRecord[]): Promise<void> {
    if (this.closed) throw new Error(`tsdb ${this.database}: write after close`);
    for (const r of records) {
      const buf = this.buffers.get(r.kind)!;
      const before = buf.length;
      toPoints(r, this.tags, buf, this.fieldTypes);
      this.buffered += buf.length - before;
      for (let i = before; i < buf.length; i++) this.bufferedValues += fieldCount(buf[i]);
    }
    if (this.buffered >= this.cfg.batchSize || this.bufferedValues >= MAX_VALUES_PER_WRITE) this.flush();
  }

  /** Moves buffered points into batches and starts writing them. */
  flush(): void {
    if (this.buffered === 0) return;
    for (const kind of KINDS) {
      const buf = this.buffers.get(kind)!;
      let start = 0;
      let values = 0;
      for (let i = 0; i < buf.length; i++) {
        // Cut before a point once the write holds batchSize points or MAX_VALUES_PER_WRITE values (so the last point
        // may take it past the cap by its own values, and a flush triggered by the cap in write() is one batch).
        if (i > start && (i - start >= this.cfg.batchSize || values >= MAX_VALUES_PER_WRITE)) {
          this.enqueue({ kind, points: buf.slice(start, i) });
          start = i;
          values = 0;
        }
        values += fieldCount(buf[i]);
      }
      if (start < buf.length) this.enqueue({ kind, points: buf.slice(start) });
      buf.length = 0;
    }
    this.buffered = 0;
    this.bufferedValues = 0;
    void this.pump();
  }

  /** Resolves when everything buffered has been written to InfluxDB (or rejects after timeoutMs). */
  async drain(timeoutMs = 30_000): Promise<void> {
    this.flush();
    const deadline = Date.now() + timeoutMs;
    const waiting = () => this.memory.length > 0 || (this.queue?.batches ?? 0) > 0 || this.held.length > 0;
    while (waiting() || this.pumping) {
      if (Date.now() > deadline) throw new Error(`tsdb ${this.database}: ${this.metrics().pointsQueued} points still queued after ${timeoutMs} ms (${this.m.lastError ?? 'no error'})`);
      await (this.pumping ?? new Promise((r) => setTimeout(r, 50)));
      if (!this.pumping && waiting()) await new Promise((r) => setTimeout(r, 50));
    }
  }

  metrics(): TsdbMetrics {
    return {
      connected: this.m.connected,
      pointsWritten: this.m.pointsWritten,
      valuesWritten: this.m.valuesWritten,
      batchesWritten: this.m.batchesWritten,
      pointsQueued: (this.queue?.size ?? 0) + this.memory.reduce((n, b) => n + b.points.length, 0) + this.buffered + this.held.points,
      valuesQueued: (this.queue?.values ?? 0) + this.memory.reduce((n, b) => n + valuesOf(b.points), 0) + this.bufferedValues + this.held.values,
      batchesQueued: (this.queue?.batches ?? 0) + this.held.length,
      pointsRejected: this.m.pointsRejected,
      pointsDropped: this.dropped(),
      samplesAsText: this.fieldTypes.fallbacks,
      ...(this.m.lastError !== undefined ? { lastError: this.m.lastError } : {}),
      storage: { ...this.storage.status(), memory: this.held.stats(), pendingDeletes: this.queue?.pendingDeletes ?? 0 },
    };
  }

  /** Flushes, tries one last write, and keeps whatever is left in the disk queue for the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    clearTimeout(this.storeTimer);
    await this.pumping;
    for (const b of this.memory.splice(0)) this.spool(b);
    this.retryStore();
    if (this.held.length > 0) this.report(new Error(`tsdb ${this.database}: closed with ${this.held.points} points the disk queue could not store (${this.storage.state}); they are lost`));
    try {
      this.queue?.close();
    } catch (err) {
      this.report(new Error(`tsdb ${this.database}: closing the disk queue: ${(err as Error).message}`, { cause: err }));
    }
  }

  private enqueue(b: PendingBatch): void {
    // Behind what waits in memory (disk full), so order holds.
    if (this.held.length > 0) this.hold(b);
    // Behind anything already on disk, or past the memory window: to disk, so order holds and memory stays small.
    else if ((this.queue?.waiting ?? 0) > 0 || this.memory.length >= MEMORY_BATCHES || !this.m.connected) this.spool(b);
    else this.memory.push(b);
  }

  /** To the disk queue; into the memory buffer when it cannot store (or something already waits there). */
  private spool(b: PendingBatch): void {
    if (this.queue && this.held.length === 0) {
      try {
        this.queue.push(b.kind, b.points);
        return;
      } catch (err) {
        this.storage.failed(err, `batches wait in memory (at most ${this.held.maxValues} values) and the queue is tried every ${STORE_RETRY_MS} ms`);
      }
    }
    this.hold(b);
  }

  private hold(b: PendingBatch, front = false): void {
    if (!this.held.add(b.kind, b.points, front)) this.storage.failed(new Error(this.storage.status().lastError ?? 'disk queue unavailable'), `memory buffer full: ${b.points.length} ${b.kind} points dropped`);
    this.scheduleStoreRetry();
  }

  private openQueue(): boolean {
    if (this.queue) return true;
    try {
      this.queue = new DiskQueue(this.queuePath, this.cfg.queue.maxPoints);
      return true;
    } catch (err) {
      this.storage.failed(err, 'batches wait in memory until it opens');
      return false;
    }
  }

  private scheduleStoreRetry(): void {
    if (this.storeTimer || this.closed) return;
    this.storeTimer = setTimeout(this.guard('disk queue retry', () => {
      this.storeTimer = undefined;
      if (!this.retryStore()) this.scheduleStoreRetry();
      if (this.m.connected) void this.pump();
    }), STORE_RETRY_MS);
    this.storeTimer.unref();
  }

  /** Opens the queue if needed, retries failed deletes, moves the memory buffer into it in order. True when all is stored. */
  private retryStore(): boolean {
    if (!this.openQueue()) return false;
    const q = this.queue!;
    if (!q.retryAcks()) {
      this.storage.failed(q.ackError ?? new Error('deleting written batches failed'), `${q.pendingDeletes} deletes of written batches retried`);
      return false;
    }
    let moved = 0;
    for (let b = this.held.peek(); b; b = this.held.peek()) {
      try {
        q.push(b.kind, b.points);
      } catch (err) {
        this.storage.failed(err, `${this.held.points} points wait in memory`);
        return false;
      }
      this.held.shift();
      moved += b.points.length;
    }
    this.storage.recovered(`${moved} points moved from memory into the disk queue`);
    return true;
  }

  private dropped(): Record<TsdbKind, number> {
    const out = { ...this.held.dropped };
    if (this.queue) for (const k of KINDS) out[k] += this.queue.dropped[k];
    return out;
  }

  /** Wraps a timer callback: whatever it throws is reported, never thrown into the event loop. */
  private guard(what: string, fn: () => void): () => void {
    return guarded((err) => this.report(err), `tsdb ${this.database} ${what}`, fn);
  }

  private pump(): Promise<void> {
    if (this.closed && this.memory.length === 0) return Promise.resolve();
    // run() handles InfluxDB's errors itself; anything else (a disk queue that cannot be read) is reported here, so
    // the promise never rejects (flush() and the retry timer do not wait for it).
    this.pumping ??= this.run().catch((err: Error) => {
      this.report(new Error(`tsdb ${this.database}: write loop: ${err.message}`, { cause: err }));
      this.scheduleStoreRetry();
    }).finally(() => { this.pumping = undefined; });
    return this.pumping;
  }

  private async run(): Promise<void> {
    for (;;) {
      if (!this.schemaReady) {
        try {
          await ensureSchema(this.influx, this.database, this.cfg.retention);
          this.fieldTypes.learn(await sampleFieldTypes(this.influx, this.database));
          this.schemaReady = true;
          this.m.connected = true;
        } catch (err) {
          this.down(err as Error);
          return;
        }
      }
      const next = this.nextBatch();
      if (!next) return;
      try {
        await this.influx.writePoints(next.points, { precision: 'ms', retentionPolicy: KIND_RP[next.kind], database: this.database });
        this.m.pointsWritten += next.points.length;
        this.m.valuesWritten += valuesOf(next.points);
        this.m.batchesWritten += 1;
        this.m.connected = true;
        this.outageReported = false;
        this.retryMs = RETRY_MIN_MS;
        this.done(next);
      } catch (err) {
        const status = httpStatus(err);
        // 400: malformed points; 413: a body past influxd's max-body-size. Neither gets better by retrying.
        if (status === 400 || status === 413) {
          this.m.pointsRejected += next.points.length;
          this.report(new Error(`tsdb ${this.database}: InfluxDB rejected ${next.points.length} ${next.kind} points: ${(err as Error).message}`));
          this.done(next);
          continue;
        }
        if (status === 404) this.schemaReady = false;
        if (next.held) {
          // Taken from the memory buffer (disk full): back to its head.
          this.hold(next, true);
        } else if (next.queueId === undefined) {
          // First failure: keep order by moving this batch and everything behind it to disk (or, disk full, to memory).
          const behind = this.memory.splice(0);
          if (this.held.length > 0) {
            for (let i = behind.length - 1; i >= 0; i--) this.hold(behind[i]!, true);
            this.hold(next, true);
          } else {
            this.spool(next);
            for (const b of behind) this.spool(b);
          }
        }
        this.down(err as Error);
        return;
      }
    }
  }

  private nextBatch(): PendingBatch | undefined {
    if (this.queue && this.queue.waiting > 0) {
      const q = this.queue.peek();
      if (q) return { kind: q.kind, points: q.points, queueId: q.id };
    }
    const m = this.memory.shift();
    if (m) return m;
    // Disk full and InfluxDB answers: what waits in memory goes straight to it.
    const h = this.held.shift();
    return h && { kind: h.kind, points: h.points, held: true };
  }

  private done(b: PendingBatch): void {
    if (b.queueId === undefined || !this.queue || this.queue.ack(b.queueId)) return;
    // Written, but the delete failed (disk full): the queue skips it and deletes it later.
    this.storage.failed(this.queue.ackError ?? new Error(`deleting written batch ${b.queueId} failed`), `${this.queue.pendingDeletes} deletes of written batches retried every ${STORE_RETRY_MS} ms`);
    this.scheduleStoreRetry();
  }

  private down(err: Error): void {
    this.m.connected = false;
    // Said once per outage (not at every retry); lastError keeps the latest.
    this.report(new Error(`tsdb ${this.database}: InfluxDB unavailable (${err.message || String(err)}); ${this.queue?.size ?? 0} points queued on disk, ${this.held.points} in memory`, { cause: err }), !this.outageReported);
    this.outageReported = true;
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.pump(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
  }

  private report(err: Error, loud = true): void {
    this.m.lastError = err.message;
    if (loud) this.onError(err);
  }
}
