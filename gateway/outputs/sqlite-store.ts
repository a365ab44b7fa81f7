/**
 * Opens the embedded SQLite database (node:sqlite, built into Node 24: a kept store, no native build) that the
 * InfluxDB disk queue and the MQTT outbox keep on disk. WAL lets the writer append while a drain reads.
 */
import { DatabaseSync } from 'node:sqlite';
import { existsSync, mkdirSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';

export type Durability = 'full' | 'normal';

/**
 * `full` fsyncs every commit (survives power loss); `normal` in WAL mode survives a killed process and only loses
 * the last commits on an OS crash or power cut. Callers say which they need and why.
 */
export function openStore(path: string, durability: Durability): DatabaseSync {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
  } catch (err) {
    throw new Error(`cannot open store ${path}: ${(err as Error).message}`, { cause: err });
  }
  db.exec('PRAGMA journal_mode = WAL');
  db.exec(`PRAGMA synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
  db.exec('PRAGMA busy_timeout = 5000');
  return db;
}

/** Runs fn in one transaction; rolls back if it throws. */
export function inTransaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const out = fn();
    db.exec('COMMIT');
    return out;
  } catch (err) {
    // SQLite has already rolled back on some errors (SQLITE_FULL, SQLITE_IOERR); a second ROLLBACK would throw
    // "no transaction is active" and hide the real cause.
    if (db.isTransaction) db.exec('ROLLBACK');
    throw err;
  }
}

/**
 * How a store is doing: `ok`; `disk-full` (SQLITE_FULL, ENOSPC: the file system has no room left); `failing` (any
 * other error while opening or writing, e.g. an I/O error). While not ok the outputs hold what they accept in a
 * bounded memory buffer and retry the store every second; they never throw out of a timer or an event handler.
 */
export type StorageState = 'ok' | 'disk-full' | 'failing';

/** True for the errors a full file system gives: SQLite's SQLITE_FULL (13) and the OS's ENOSPC. */
export function isDiskFull(err: unknown): boolean {
  const e = err as { errcode?: number; code?: string; message?: string; cause?: unknown } | undefined;
  if (!e) return false;
  if (typeof e.errcode === 'number' && (e.errcode & 0xff) === 13) return true;
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT') return true;
  if (/database or disk is full|ENOSPC|no space left on device/i.test(e.message ?? '')) return true;
  return e.cause !== undefined && e.cause !== err && isDiskFull(e.cause);
}

/**
 * True when the file system that holds `path` (or its nearest existing parent) has no block left for us. SQLite
 * reports some full-disk failures as a plain I/O error (creating the -shm file of a WAL database, for one), so an
 * error that does not say "full" is checked against the file system itself.
 */
export function noSpaceLeft(path: string): boolean {
  try {
    let dir = dirname(path);
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    return statfsSync(dir).bavail === 0;
  } catch {
    return false;
  }
}

/** What a store's health looks like from outside (status()/metrics(), /healthz, /metrics). */
export interface StorageStatus {
  state: StorageState;
  /** ms since the epoch the current problem started (absent while ok). */
  since?: number;
  /** The error that made it not ok (absent while ok). */
  lastError?: string;
}

/** Keeps the storage state of one store and says each change once (not at every failed retry). */
export class StorageHealth {
  #status: StorageStatus = { state: 'ok' };
  readonly #what: string;
  readonly #report: (err: Error) => void;
  readonly #now: () => number;

  readonly #path: string | undefined;

  /** path: the store's file, to tell a full disk behind a plain I/O error (see noSpaceLeft). */
  constructor(what: string, report: (err: Error) => void, now: () => number = Date.now, path?: string) {
    this.#path = path;
    this.#what = what;
    this.#report = report;
    this.#now = now;
  }

  get state(): StorageState { return this.#status.state; }
  get ok(): boolean { return this.#status.state === 'ok'; }

  status(): StorageStatus {
    return { ...this.#status };
  }

  /** A store operation failed: records why; reports it when the state changes. */
  failed(err: unknown, detail: string): void {
    const state: StorageState = isDiskFull(err) || (this.#path !== undefined && this.#path !== ':memory:' && noSpaceLeft(this.#path)) ? 'disk-full' : 'failing';
    const message = (err as Error)?.message ?? String(err);
    const changed = state !== this.#status.state;
    this.#status = { state, since: this.#status.since ?? this.#now(), lastError: message };
    if (changed) this.#report(new Error(`${this.#what}: ${state === 'disk-full' ? 'disk full' : 'store failing'} (${message}); ${detail}`, { cause: err }));
  }

  /** The store works again. */
  recovered(detail: string): void {
    if (this.#status.state === 'ok') return;
    const was = this.#status.state;
    this.#status = { state: 'ok' };
    this.#report(new Error(`${this.#what}: writable again after ${was}; ${detail}`));
  }
}
