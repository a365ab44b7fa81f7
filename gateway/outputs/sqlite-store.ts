/**
 * Opens the embedded SQLite database (node:sqlite, built into Node 24: a kept store, no native build) that the
 * InfluxDB disk queue and the MQTT outbox keep on disk. WAL lets the writer append while a drain reads.
 */
import { DatabaseSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
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
