/**
 * CloudUplink: forwards alerts (at once) and per-asset summaries (every period) to the cloud over MQTT 5, QoS 1,
 * store-and-forward through the durable Outbox. Reconnects are MQTT.js's own (reconnectPeriod); on each connect
 * the backlog drains alerts first, in seq order, with at most `inflightWindow` unacknowledged publishes.
 * A message in flight when the connection drops stays in MQTT.js's outgoing store and is resent by MQTT.js on
 * reconnect, so the window is kept across reconnects rather than taken again from the outbox (no duplicate).
 *
 * A full disk (or a failing outbox file) never throws out of a timer or an event handler: what the outbox cannot
 * store waits in a bounded memory buffer (HeldMessages: alerts kept, oldest summaries dropped first, every drop
 * counted) and is sent from there while the broker is up (its seq continues the outbox's and is reserved in the file
 * once it writes again), PUBACK deletes that fail are kept and retried (the messages stay taken, so nothing is sent twice meanwhile),
 * an outbox that cannot even be opened (start on a full disk) is opened again every second, and once the store
 * writes again the buffer moves into it in order. status().storage says which state it is in.
 */
import { randomUUID } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Socket } from 'node:net';
import type { SampleBatch } from '../core/sample.ts';
import { BandwidthMeter, type BandwidthReport } from './bandwidth.ts';
import { ReconnectBackoff } from './reconnect-backoff.ts';
import { loadTls, type UplinkConfig } from './config.ts';
import { redactUrl } from '../config/redact.ts';
import { SCHEMA_VERSION, SqliteOutbox, type MessageClass, type OutboxMessage, type OutboxStats, type OutboxStore } from './outbox.ts';
import { HeldMessages, type HeldMessage, type HeldStats } from './held-messages.ts';
import { StorageHealth, type StorageStatus } from '../outputs/sqlite-store.ts';
import { guarded } from '../outputs/guard.ts';
import { SummaryAggregator, type UplinkAlert, type UplinkInput } from './summaries.ts';
import { SparkplugSession } from './sparkplug/session.ts';

export interface CloudUplinkOptions {
  config: UplinkConfig;
  site: string;
  gateway: string;
  /** Outbox file (config.outbox.path wins); ignored when `store` is given. */
  outboxPath?: string;
  store?: OutboxStore;
  /** Send Sparkplug B (group = site unless given, edge node = gateway, device = asset) instead of JSON topics. */
  sparkplug?: { group?: string };
  onError?: (err: Error) => void;
  now?: () => number;
  /** Messages held in memory while the outbox cannot store them (default MEMORY_CAP). */
  memoryCap?: number;
}

/** The outbox's storage state and what waits in memory meanwhile. */
export interface UplinkStorageStatus extends StorageStatus {
  memory: HeldStats;
  /** Messages the broker acknowledged whose delete from the outbox failed (retried; resent only after a restart). */
  pendingDeletes: number;
}

export interface UplinkStatus {
  connected: boolean;
  /** Messages waiting in the outbox (in flight included). */
  queued: number;
  outbox: OutboxStats;
  published: number;
  acknowledged: number;
  reconnects: number;
  /** Wait before the next reconnect attempt (grows while the broker stays away). */
  reconnectDelayMs: number;
  lastError?: string;
  bandwidth: BandwidthReport;
  /** Always given by CloudUplink; optional for other status sources. */
  storage?: UplinkStorageStatus;
}

export type UplinkStatusListener = (s: { connected: boolean; queued: number }) => void;

const RETRY_FAILED_MS = 1000;
/** How often a failing outbox (disk full) is tried again. */
const STORE_RETRY_MS = 1000;
/** Default bound of the memory buffer used while the outbox cannot store: 10 k messages (~2.3 MiB of alerts, measured). */
export const MEMORY_CAP = 10_000;
const NO_STATS: OutboxStats = { alerts: 0, summaries: 0, samples: 0, inFlight: 0, merged: 0, dropped: 0, nextSeq: 0 };
/** Cap of the reconnect backoff: a minute keeps an outage's recovery prompt without hammering the broker. */
const RECONNECT_MAX_MS = 60_000;

export class CloudUplink {
  readonly topics: { alerts: string; summaries: string; status: string; samples: string };
  /** Identifies this process (8 hex digits; a uplink message pays for every byte); sent as MQTT user property `boot`. */
  readonly boot = randomUUID().slice(0, 8);
  private readonly cfg: UplinkConfig;
  private readonly site: string;
  private readonly gateway: string;
  /** Undefined while the outbox file cannot be opened (e.g. a start on a full disk); opened again every second. */
  private outbox: OutboxStore | undefined;
  private readonly openOutbox: (() => OutboxStore) | undefined;
  private readonly held: HeldMessages;
  /** Acknowledged by the broker, delete failed: retried with the next deletes or by the store retry timer. */
  private readonly unacked: number[] = [];
  private readonly storage: StorageHealth;
  private storeTimer: NodeJS.Timeout | undefined;
  /** Next seq given to a message sent from memory (disk full); reserved in the outbox file once it writes again. */
  private memSeq: number | undefined;
  private readonly meter: BandwidthMeter;
  private readonly aggregator: SummaryAggregator;
  private readonly onError: (err: Error) => void;
  private readonly now: () => number;
  private readonly listeners = new Set<UplinkStatusListener>();
  private readonly backoff: ReconnectBackoff;
  private readonly sparkplug: SparkplugSession | undefined;
  private client: MqttClient | undefined;
  private summaryTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private readonly acked: number[] = [];
  private ackTimer: NodeJS.Immediate | undefined;
  private stopped = false;
  private outageReported = false;
  private stream: Socket | undefined;
  private streamCounted = 0;
  private readonly m = { published: 0, acknowledged: 0, reconnects: 0, lastError: undefined as string | undefined };

  constructor(opts: CloudUplinkOptions) {
    this.cfg = opts.config;
    this.site = opts.site;
    this.gateway = opts.gateway;
    this.now = opts.now ?? Date.now;
    const base = `${opts.config.topicPrefix}/${opts.site}/${opts.gateway}`;
    this.topics = { alerts: `${base}/alerts`, summaries: `${base}/summaries`, status: `${base}/status`, samples: `${base}/samples` };
    const path = opts.config.outbox.path ?? opts.outboxPath;
    if (!opts.store && !path) throw new Error('uplink.outbox.path: an outbox file is required');
    this.onError = opts.onError ?? (() => undefined);
    this.held = new HeldMessages(opts.memoryCap ?? MEMORY_CAP);
    this.storage = new StorageHealth(`uplink outbox ${path ?? '(store)'}`, (err) => this.fail(err), this.now, opts.store ? undefined : path);
    if (opts.store) this.outbox = opts.store;
    else {
      this.openOutbox = () => new SqliteOutbox({ path: path!, maxMessages: opts.config.outbox.maxMessages, site: opts.site, gateway: opts.gateway, now: this.now });
      try {
        this.outbox = this.openOutbox();
      } catch (err) {
        // A start on a full disk: run from memory and open it again every second (never a crash loop).
        this.storage.failed(err, 'alerts wait in memory until it opens');
        this.scheduleStoreRetry();
      }
    }
    if (opts.sparkplug) {
      if (!path) throw new Error('uplink: Sparkplug B needs an outbox file to keep its bdSeq in');
      this.sparkplug = new SparkplugSession({ group: opts.sparkplug.group ?? opts.site, edge: opts.gateway, statePath: path });
    }
    this.meter = new BandwidthMeter(this.now);
    this.backoff = new ReconnectBackoff({ initialMs: opts.config.reconnectPeriodMs, maxMs: Math.max(opts.config.reconnectPeriodMs, RECONNECT_MAX_MS) });
    this.aggregator = new SummaryAggregator(this.now());
  }

  /** Starts connecting (does not wait for the broker: the outbox holds everything until it answers). */
  start(): void {
    if (this.client) throw new Error('uplink: already started');
    if (this.stopped) throw new Error('uplink: stopped; create a new CloudUplink');
    const tls = loadTls(this.cfg.tls);
    const options: IClientOptions = {
      protocolVersion: 5,
      clientId: this.cfg.clientId ?? `telltale-${this.site}-${this.gateway}`,
      keepalive: this.cfg.keepaliveS,
      reconnectPeriod: this.cfg.reconnectPeriodMs,
      connectTimeout: this.cfg.connectTimeoutMs,
      clean: true,
      queueQoSZero: false,
      // MQTT 5 topic aliases (MQTT.js assigns them, within the broker's limit): the topic is sent once per connection.
      autoAssignTopicAlias: true,
      ...(this.cfg.username !== undefined ? { username: this.cfg.username } : {}),
      ...(this.cfg.password !== undefined ? { password: this.cfg.password } : {}),
      ...tls,
      will: this.will(),
    };
    this.client = mqtt.connect(this.cfg.url, options);
    // Every handler and timer is guarded: a failure is reported, never thrown into the event loop.
    this.client.on('connect', this.guard('connect', () => this.onConnect()));
    this.client.on('close', this.guard('close', () => this.onClose()));
    this.client.on('reconnect', this.guard('reconnect', () => {
      this.m.reconnects += 1;
      // Sparkplug: every CONNECT carries a new bdSeq in its NDEATH will.
      if (this.sparkplug && this.client) this.client.options.will = this.will();
    }));
    this.backoff.attach(this.client, (why) => this.fail(new Error(`uplink: ${why}`)));
    this.client.on('error', this.guard('error', (err: Error) => {
      // Said once per outage (not at every reconnect attempt); lastError keeps the latest.
      this.fail(new Error(`uplink ${redactUrl(this.cfg.url)}: ${err.message}`, { cause: err }), !this.outageReported); // no credentials in lastError/logs
      this.outageReported = true;
    }));
    this.client.on('packetsend', this.guard('packetsend', () => this.countUplinkBytes()));
    this.summaryTimer = setInterval(this.guard('summary timer', () => this.flushSummaries()), this.cfg.summaryPeriodMs);
    this.summaryTimer.unref();
  }

  /**
   * Stores an alert event and sends it as soon as the broker is reachable. Returns the stored message, or undefined
   * while the outbox cannot store (disk full): the alert then waits in memory and is stored when space returns.
   * Throws (the alert is refused, not accepted) only when that memory buffer holds nothing but alerts.
   */
  alert(a: UplinkAlert): OutboxMessage | undefined {
    if (this.stopped) throw new Error(`uplink: stopped; alert ${a.id} of ${a.asset} not stored`);
    const msg = this.put('alert', this.topics.alerts, { alert: a }, a.asset);
    if (msg === 'refused') throw new Error(`uplink: alert ${a.id} of ${a.asset} refused: the outbox cannot store (${this.storage.state}: ${this.storage.status().lastError ?? ''}) and its memory buffer holds ${this.held.size} alerts`);
    if (msg === 'dropped') throw new Error(`uplink: the outbox refused alert ${a.id} of ${a.asset}; an OutboxStore must never drop alerts`);
    this.aggregator.add({ asset: a.asset, ts: a.ts, alert: a });
    this.pump();
    return msg === 'held' ? undefined : msg;
  }

  /**
   * Sends raw values of tags a flow explicitly asked for (lowest priority; dropped first when the outbox is full).
   * Returns false if the bound policy dropped it.
   */
  forwardSample(asset: string, ts: number, values: Record<string, unknown>): boolean {
    if (this.stopped) throw new Error(`uplink: stopped; sample of ${asset} not stored`);
    const msg = this.put('sample', this.topics.samples, { sample: { asset, ts, values } }, asset);
    if (msg === 'dropped' || msg === 'refused') return false;
    this.pump();
    return true;
  }

  /** Feeds what the pipeline produced; an alert in it is forwarded at once, the rest goes into summaries. */
  observe(input: UplinkInput): void {
    if (input.alert) this.alert({ ...input.alert, asset: input.alert.asset ?? input.asset });
    const { alert: _alert, ...rest } = input;
    this.aggregator.add(rest);
  }

  /** Counts the bytes a batch took on the device side (for the reduction factor). */
  recordBatch(b: SampleBatch): void {
    this.meter.addBatch(b);
  }

  recordDeviceBytes(n: number): void {
    this.meter.addDeviceBytes(n);
  }

  /** Closes the current summary period: one summary per asset goes into the outbox. Returns how many. */
  flushSummaries(): number {
    if (this.stopped) return 0;
    const summaries = this.aggregator.push(this.now());
    const bw = this.meter.report();
    const bandwidth = { deviceBytes: bw.currentHour.deviceBytes, uplinkBytes: bw.currentHour.uplinkBytes, reductionFactor: bw.reductionFactor === null ? null : Math.round(bw.reductionFactor) };
    for (const summary of summaries) this.put('summary', this.topics.summaries, { summary, bandwidth }, summary.asset);
    if (summaries.length > 0) this.pump();
    return summaries.length;
  }

  status(): UplinkStatus {
    this.countUplinkBytes();
    return {
      connected: this.client?.connected ?? false,
      queued: this.queued(),
      outbox: this.outboxStats(),
      published: this.m.published,
      acknowledged: this.m.acknowledged,
      reconnects: this.m.reconnects,
      reconnectDelayMs: this.backoff.delayMs,
      ...(this.m.lastError !== undefined ? { lastError: this.m.lastError } : {}),
      bandwidth: this.meter.report(),
      storage: { ...this.storage.status(), memory: this.held.stats(), pendingDeletes: this.unacked.length },
    };
  }

  /** Connection changes (connected / offline) with the backlog size; returns an unsubscribe function. */
  onStatus(listener: UplinkStatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when the outbox is empty (everything acknowledged), rejects after timeoutMs. */
  async drain(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.queued() > 0) {
      if (Date.now() > deadline) throw new Error(`uplink: ${this.queued()} messages still in the outbox after ${timeoutMs} ms (${this.m.lastError ?? 'no error'})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Publishes the offline status if connected, disconnects, closes the outbox; what is unsent stays on disk. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.summaryTimer);
    clearTimeout(this.retryTimer);
    clearTimeout(this.storeTimer);
    if (this.ackTimer) clearImmediate(this.ackTimer);
    this.unacked.push(...this.acked.splice(0));
    // Sent from memory but not acknowledged: stored with their envelope (a duplicate if the PUBACK was on its way).
    this.held.resetSending();
    // A last try to store what waits in memory and to delete what was acknowledged; what fails is said.
    this.retryStore(true);
    const c = this.client;
    if (c?.connected) {
      const death = this.sparkplug ? this.sparkplug.death(this.now()) : { topic: this.topics.status, payload: this.statusPayload('offline') };
      await Promise.race([
        c.publishAsync(death.topic, death.payload, { qos: 1, retain: !this.sparkplug }).catch(() => undefined),
        new Promise((r) => setTimeout(r, 2000)),
      ]);
    }
    await c?.endAsync(true).catch(() => undefined);
    if (this.held.size > 0) this.fail(new Error(`uplink: stopped with ${this.held.size} messages (${this.held.stats().alerts} alerts) the outbox could not store (${this.storage.state}); they are lost`));
    try {
      this.outbox?.close();
      this.sparkplug?.close();
    } catch (err) {
      this.fail(new Error(`uplink: closing the outbox: ${(err as Error).message}`, { cause: err }));
    }
  }

  private will(): NonNullable<IClientOptions['will']> {
    if (this.sparkplug) {
      this.sparkplug.nextBdSeq();
      const d = this.sparkplug.death(this.now());
      return { topic: d.topic, payload: d.payload, qos: 1, retain: false };
    }
    return { topic: this.topics.status, payload: Buffer.from(this.statusPayload('offline')), qos: 1, retain: true };
  }

  private statusPayload(state: 'online' | 'offline'): string {
    return JSON.stringify({ schemaVersion: SCHEMA_VERSION, type: 'status', state, site: this.site, gateway: this.gateway, boot: this.boot, ts: this.now() });
  }

  private onConnect(): void {
    const c = this.client!;
    this.outageReported = false;
    this.stream = c.stream as unknown as Socket;
    this.streamCounted = 0;
    const birth = this.sparkplug
      ? this.sparkplug.birth(this.now())
      : { topic: this.topics.status, payload: this.statusPayload('online') };
    c.publish(birth.topic, birth.payload, { qos: 1, retain: !this.sparkplug }, (err) => {
      if (err) this.fail(new Error(`uplink: birth not acknowledged: ${err.message}`));
    });
    this.emitStatus();
    this.pump();
  }

  private onClose(): void {
    this.countUplinkBytes();
    this.stream = undefined;
    if (!this.stopped) this.emitStatus();
  }

  private pump(): void {
    const c = this.client;
    if (this.stopped || !c?.connected || !this.outbox) return;
    const free = this.cfg.inflightWindow - this.inFlight;
    if (free <= 0) return;
    let msgs: OutboxMessage[];
    try {
      msgs = this.outbox.take(free);
    } catch (err) {
      this.fail(new Error(`uplink: reading the outbox: ${(err as Error).message}`, { cause: err }));
      this.scheduleStoreRetry();
      return;
    }
    for (const msg of msgs) this.publish(c, msg);
    if (msgs.length < free && this.held.size > 0) this.pumpMemory(c, free - msgs.length);
  }

  /**
   * Disk full, broker up: sends what waits in memory. Each message gets its envelope here, with a seq that continues
   * the outbox's (reserved in the file once it writes again, so never reused); acknowledged, it leaves memory.
   */
  private pumpMemory(c: MqttClient, limit: number): void {
    const store = this.outbox;
    if (!store?.putStored || !store.reserveSeq) return;
    try {
      for (const h of this.held.unsent(limit)) {
        if (!h.msg) {
          this.memSeq ??= store.stats().nextSeq;
          const seq = this.memSeq++;
          const id = randomUUID();
          const envelope = { schemaVersion: SCHEMA_VERSION, id, seq, site: this.site, gateway: this.gateway, type: h.cls, createdAt: this.now() };
          h.msg = { seq, id, cls: h.cls, topic: h.topic, payload: JSON.stringify({ ...envelope, ...h.body }) };
        }
        h.sending = true;
        this.publish(c, h.msg, h);
      }
    } catch (err) {
      this.fail(new Error(`uplink: sending from memory: ${(err as Error).message}`, { cause: err }));
    }
  }

  private publish(c: MqttClient, msg: OutboxMessage, held?: HeldMessage): void {
    this.inFlight += 1;
    this.m.published += 1;
    let topic: string = msg.topic;
    let payload: string | Buffer = msg.payload;
    if (this.sparkplug) {
      const parts = this.sparkplug.data(msg, this.now());
      // The DBIRTH a device needs goes first on the same connection, so it arrives before the DDATA.
      for (const p of parts.slice(0, -1)) c.publish(p.topic, p.payload, { qos: 1 });
      ({ topic, payload } = parts[parts.length - 1]);
    }
    c.publish(topic, payload, { qos: 1, properties: { userProperties: { boot: this.boot } } }, this.guard('publish callback', (err?: Error) => {
      this.inFlight -= 1;
      if (this.stopped) return;
      if (err) {
        if (held) held.sending = false;
        else this.outbox?.release(msg.seq);
        this.fail(new Error(`uplink: ${msg.cls} seq ${msg.seq} not acknowledged: ${err.message}`, { cause: err }));
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.pump(), RETRY_FAILED_MS);
        this.retryTimer.unref();
        return;
      }
      this.m.acknowledged += 1;
      // Sent from memory: nothing to delete on disk; the next turn pumps.
      if (held) this.held.remove(held);
      else this.acked.push(msg.seq);
      this.ackTimer ??= setImmediate(this.guard('PUBACK deletes', () => this.flushAcks()));
    }));
  }

  /**
   * Deletes the acknowledged messages of this turn in one transaction: one fsync per batch instead of per message.
   * A kill -9 between PUBACK and this delete resends those few messages; receivers drop them by id.
   */
  private flushAcks(): void {
    this.ackTimer = undefined;
    const seqs = this.acked.splice(0);
    if (!this.stopped) this.deleteAcked(seqs);
    this.pump();
  }

  /**
   * Deletes acknowledged messages, with any whose delete failed before. On failure (disk full) they are kept for the
   * store retry: they stay taken in the outbox, so they are not sent again; a restart before the retry succeeds
   * resends them (at-least-once; receivers drop them by id).
   */
  private deleteAcked(seqs: readonly number[]): void {
    if (seqs.length === 0) return;
    const all = this.unacked.length === 0 ? seqs : [...this.unacked.splice(0), ...seqs];
    if (!this.outbox) {
      this.unacked.push(...all);
      return;
    }
    try {
      this.outbox.ackMany(all);
    } catch (err) {
      this.unacked.push(...all);
      this.storage.failed(err, `${this.unacked.length} acknowledged messages not deleted yet (retried every ${STORE_RETRY_MS} ms)`);
      this.scheduleStoreRetry();
    }
  }

  /**
   * Puts a message into the outbox; while it cannot store (or something already waits in memory, to keep order) the
   * message waits in the memory buffer instead. Returns the stored message, 'held', or what the bound policies did.
   */
  private put(cls: MessageClass, topic: string, body: Record<string, unknown>, asset: string | undefined): OutboxMessage | 'held' | 'dropped' | 'refused' {
    if (this.outbox && this.held.size === 0) {
      try {
        this.reserveMemSeq(this.outbox);
        return this.outbox.put(cls, topic, body, asset) ?? 'dropped';
      } catch (err) {
        this.storage.failed(err, `messages wait in memory (at most ${this.held.cap}) and the outbox is tried every ${STORE_RETRY_MS} ms`);
      }
    }
    const r = this.held.add({ cls, topic, body, ...(asset !== undefined ? { asset } : {}) });
    this.scheduleStoreRetry();
    return r;
  }

  private scheduleStoreRetry(): void {
    if (this.storeTimer || this.stopped) return;
    this.storeTimer = setTimeout(this.guard('outbox retry', () => {
      this.storeTimer = undefined;
      if (!this.retryStore()) this.scheduleStoreRetry();
    }), STORE_RETRY_MS);
    this.storeTimer.unref();
  }

  /** Opens the outbox if needed, retries failed deletes, moves the memory buffer into it in order. True when all is stored. */
  private retryStore(final = false): boolean {
    try {
      this.outbox ??= this.openOutbox?.();
      if (!this.outbox) return false;
      if (this.unacked.length > 0) {
        this.outbox.ackMany(this.unacked);
        this.unacked.length = 0;
      }
      this.reserveMemSeq(this.outbox);
      let moved = 0;
      // Messages being sent from memory stay there until their PUBACK (or its failure).
      for (let m = this.held.firstUnsent(); m; m = this.held.firstUnsent()) {
        if (m.msg && this.outbox.putStored) this.outbox.putStored(m.msg, m.asset);
        else this.outbox.put(m.cls, m.topic, m.body, m.asset);
        this.held.remove(m);
        moved += 1;
      }
      this.storage.recovered(`${moved} messages moved from memory into the outbox`);
      if (!final) this.pump();
      return true;
    } catch (err) {
      this.storage.failed(err, `${this.held.size} messages wait in memory, ${this.unacked.length} deletes pending`);
      if (final && this.unacked.length > 0) this.fail(new Error(`uplink: stopped with ${this.unacked.length} acknowledged messages not deleted; they are sent again after the restart`));
      return false;
    }
  }

  /** Seqs given out from memory are never reused: the file's counter moves past them before the next put. */
  private reserveMemSeq(store: OutboxStore): void {
    if (this.memSeq === undefined) return;
    store.reserveSeq?.(this.memSeq);
    this.memSeq = undefined;
  }

  private queued(): number {
    return (this.outbox?.size() ?? 0) + this.held.size;
  }

  private outboxStats(): OutboxStats {
    try {
      return this.outbox?.stats() ?? NO_STATS;
    } catch {
      return NO_STATS;
    }
  }

  /** Wraps a timer or event handler: whatever it throws is reported, never thrown into the event loop. */
  private guard<A extends unknown[]>(what: string, fn: (...args: A) => void): (...args: A) => void {
    return guarded((err) => this.fail(err), `uplink ${what}`, fn);
  }

  private countUplinkBytes(): void {
    const s = this.stream;
    if (!s) return;
    const written = s.bytesWritten ?? 0;
    this.meter.addUplinkBytes(written - this.streamCounted);
    this.streamCounted = written;
  }

  private emitStatus(): void {
    const s = { connected: this.client?.connected ?? false, queued: this.queued() };
    for (const l of this.listeners) l(s);
  }

  private fail(err: Error, loud = true): void {
    this.m.lastError = err.message;
    if (loud) this.onError(err);
  }
}
