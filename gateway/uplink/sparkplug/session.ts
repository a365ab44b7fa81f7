/**
 * Sparkplug B framing of the uplink: the gateway is an edge node (group = site, edge node = gateway), each asset a
 * device. Per MQTT connection: NDEATH as the will and NBIRTH first, both with the same bdSeq (kept on disk, +1 per
 * connect); then each outbox message becomes a DDATA of its asset, preceded by a DBIRTH whenever the asset has not
 * been born in this session or brings metrics its birth did not declare. seq runs 0..255 from the NBIRTH.
 * Messages stored before the current session started are replayed: their metrics carry is_historical.
 */
import type { DatabaseSync } from 'node:sqlite';
import { openStore } from '../../outputs/sqlite-store.ts';
import type { OutboxMessage } from '../outbox.ts';
import type { AssetSummary, Stat } from '../summaries.ts';
import { DataType, encodePayload, type SpMetric } from './schema.ts';

export const NAMESPACE = 'spBv1.0';

export interface SpMessage { topic: string; payload: Buffer }

export class SparkplugSession {
  readonly group: string;
  readonly edge: string;
  /** Undefined while the state file cannot be opened (a start on a full disk); opened again at the next connect. */
  private db: DatabaseSync | undefined;
  private readonly statePath: string;
  private bdSeq: number;
  private seq = 0;
  private started = 0;
  private born = new Map<string, Map<string, SpMetric>>();
  /** Why the last bdSeq could not be written (disk full), until one is. */
  persistError: string | undefined;

  constructor(opts: { group: string; edge: string; statePath: string }) {
    this.group = opts.group;
    this.edge = opts.edge;
    // FULL: a bdSeq reused after a power cut would let a host match an old death to the new birth.
    this.statePath = opts.statePath;
    this.bdSeq = -1;
    const stored = this.open();
    if (stored !== undefined) this.bdSeq = stored;
  }

  /** Opens the state file; returns the stored bdSeq (-1: none yet), or undefined when it cannot be opened (disk full). */
  private open(): number | undefined {
    let db: DatabaseSync | undefined;
    try {
      db = openStore(this.statePath, 'full');
      db.exec('CREATE TABLE IF NOT EXISTS sparkplug_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL)');
      const row = db.prepare(`SELECT value FROM sparkplug_state WHERE key = 'bdSeq'`).get() as { value: number } | undefined;
      this.db = db;
      return row ? Number(row.value) : -1;
    } catch (err) {
      if (db?.isOpen) db.close();
      this.persistError = (err as Error).message;
      return undefined;
    }
  }

  topic(type: 'NBIRTH' | 'NDEATH' | 'DBIRTH' | 'DDATA', device?: string): string {
    return `${NAMESPACE}/${this.group}/${type}/${this.edge}${device ? `/${device}` : ''}`;
  }

  /** The bdSeq of the connection about to be made (0..255, +1 per connect, persisted). */
  nextBdSeq(): number {
    if (!this.db) {
      // Opened late (space came back): continue after what the file holds, never reusing a stored bdSeq.
      const stored = this.open();
      if (stored !== undefined) this.bdSeq = Math.max(this.bdSeq, stored);
    }
    this.bdSeq = (this.bdSeq + 1) % 256;
    if (!this.db) return this.bdSeq;
    try {
      this.db.prepare(`INSERT INTO sparkplug_state (key, value) VALUES ('bdSeq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(this.bdSeq);
    } catch (err) {
      // Disk full: the connect goes ahead with the new bdSeq (kept in memory); only a restart before the next
      // successful write could reuse it. Called from MQTT.js's reconnect handler, so it must not throw.
      this.persistError = (err as Error).message;
      return this.bdSeq;
    }
    this.persistError = undefined;
    return this.bdSeq;
  }

  get currentBdSeq(): number { return this.bdSeq; }

  /** NDEATH for the will (and for a clean stop), carrying the current bdSeq. */
  death(now: number): SpMessage {
    return { topic: this.topic('NDEATH'), payload: Buffer.from(encodePayload({ timestamp: now, metrics: [{ name: 'bdSeq', datatype: DataType.UInt64, value: this.bdSeq }] })) };
  }

  /** Starts a session at connect: the NBIRTH (seq 0); devices are born again on their next data. */
  birth(now: number): SpMessage {
    this.started = now;
    this.seq = 0;
    this.born = new Map();
    const metrics: SpMetric[] = [
      { name: 'bdSeq', datatype: DataType.UInt64, value: this.bdSeq },
      { name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: false },
    ];
    return { topic: this.topic('NBIRTH'), payload: Buffer.from(encodePayload({ timestamp: now, seq: 0, metrics })) };
  }

  /** The DDATA for one outbox message, after the DBIRTH it needs (if any). */
  data(msg: OutboxMessage, now: number): SpMessage[] {
    const body = JSON.parse(msg.payload) as { createdAt: number; alert?: Record<string, unknown>; summary?: AssetSummary; sample?: ForwardedSample };
    const historical = body.createdAt < this.started;
    const asset = String(body.alert?.asset ?? body.summary?.asset ?? body.sample?.asset ?? 'gateway');
    const metrics = body.alert ? alertMetrics(body.alert) : body.summary ? summaryMetrics(body.summary) : body.sample ? sampleMetrics(body.sample) : [];
    const out: SpMessage[] = [];
    const known = this.born.get(asset);
    if (!known || metrics.some((m) => !known.has(m.name))) {
      const all = new Map(known ?? []);
      for (const m of metrics) all.set(m.name, m);
      this.born.set(asset, all);
      out.push({ topic: this.topic('DBIRTH', asset), payload: Buffer.from(encodePayload({ timestamp: now, seq: this.nextSeq(), metrics: [...all.values()] })) });
    }
    const marked = historical ? metrics.map((m) => ({ ...m, isHistorical: true })) : metrics;
    out.push({ topic: this.topic('DDATA', asset), payload: Buffer.from(encodePayload({ timestamp: now, seq: this.nextSeq(), metrics: marked })) });
    return out;
  }

  close(): void {
    if (this.db?.isOpen) this.db.close();
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) % 256;
    return this.seq;
  }
}

interface ForwardedSample { asset: string; ts: number; values: Record<string, unknown> }

function sampleMetrics(s: ForwardedSample): SpMetric[] {
  return Object.entries(s.values).map(([tag, v]): SpMetric => {
    const name = `Tags/${tag}`;
    if (typeof v === 'number') return { name, datatype: DataType.Double, value: v, timestamp: s.ts };
    if (typeof v === 'boolean') return { name, datatype: DataType.Boolean, value: v, timestamp: s.ts };
    if (typeof v === 'string') return { name, datatype: DataType.String, value: v, timestamp: s.ts };
    return { name, datatype: DataType.Double, isNull: true, timestamp: s.ts };
  });
}

function alertMetrics(a: Record<string, unknown>): SpMetric[] {
  const ts = typeof a.ts === 'number' ? a.ts : undefined;
  const at = ts === undefined ? {} : { timestamp: ts };
  const out: SpMetric[] = [
    { name: 'Alert/Id', datatype: DataType.String, value: String(a.id), ...at },
    { name: 'Alert/State', datatype: DataType.String, value: String(a.kind), ...at },
  ];
  if (typeof a.score === 'number' && Number.isFinite(a.score)) out.push({ name: 'Alert/Score', datatype: DataType.Double, value: a.score, ...at });
  return out;
}

function statMetrics(prefix: string, s: Stat, timestamp: number): SpMetric[] {
  return [
    { name: `${prefix}/Count`, datatype: DataType.Int64, value: s.count, timestamp },
    { name: `${prefix}/Mean`, datatype: DataType.Double, value: s.mean, timestamp },
    { name: `${prefix}/Min`, datatype: DataType.Double, value: s.min, timestamp },
    { name: `${prefix}/Max`, datatype: DataType.Double, value: s.max, timestamp },
  ];
}

function summaryMetrics(s: AssetSummary): SpMetric[] {
  const t = s.to;
  const out: SpMetric[] = [
    { name: 'Summary/Periods', datatype: DataType.Int64, value: s.periods, timestamp: t },
    { name: 'Summary/From', datatype: DataType.UInt64, value: s.from, timestamp: t },
    { name: 'Alerts/Opened', datatype: DataType.Int64, value: s.alerts.opened, timestamp: t },
    { name: 'Alerts/Closed', datatype: DataType.Int64, value: s.alerts.closed, timestamp: t },
  ];
  if (s.score) out.push(...statMetrics('Score', s.score, t));
  if (s.health) out.push(...statMetrics('Health', s.health, t));
  for (const [name, st] of Object.entries(s.features)) out.push(...statMetrics(`Features/${name}`, st, t));
  return out;
}
