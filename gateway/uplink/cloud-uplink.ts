/**
 * CloudUplink: forwards alerts (at once) and per-asset summaries (every period) to the cloud over MQTT 5, QoS 1,
 * store-and-forward through the durable Outbox. Reconnects are MQTT.js's own (reconnectPeriod); on each connect
 * the backlog drains alerts first, in seq order, with at most `inflightWindow` unacknowledged publishes.
 * A message in flight when the connection drops stays in MQTT.js's outgoing store and is resent by MQTT.js on
 * reconnect, so the window is kept across reconnects rather than taken again from the outbox (no duplicate).
 */
import { randomUUID } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Socket } from 'node:net';
import type { SampleBatch } from '../core/sample.ts';
import { BandwidthMeter, type BandwidthReport } from './bandwidth.ts';
import { ReconnectBackoff } from './reconnect-backoff.ts';
import { loadTls, type UplinkConfig } from './config.ts';
import { SCHEMA_VERSION, SqliteOutbox, type OutboxMessage, type OutboxStats, type OutboxStore } from './outbox.ts';
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
}

export type UplinkStatusListener = (s: { connected: boolean; queued: number }) => void;

const RETRY_FAILED_MS = 1000;
/** Cap of the reconnect backoff: a minute keeps an outage's recovery prompt without hammering the broker. */
const RECONNECT_MAX_MS = 60_000;

export class CloudUplink {
  readonly topics: { alerts: string; summaries: string; status: string; samples: string };
  /** Identifies this process (8 hex digits; a uplink message pays for every byte); sent as MQTT user property `boot`. */
  readonly boot = randomUUID().slice(0, 8);
  private readonly cfg: UplinkConfig;
  private readonly site: string;
  private readonly gateway: string;
  private readonly outbox: OutboxStore;
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
    this.outbox = opts.store ?? new SqliteOutbox({ path: path!, maxMessages: opts.config.outbox.maxMessages, site: opts.site, gateway: opts.gateway, now: this.now });
    if (opts.sparkplug) {
      if (!path) throw new Error('uplink: Sparkplug B needs an outbox file to keep its bdSeq in');
      this.sparkplug = new SparkplugSession({ group: opts.sparkplug.group ?? opts.site, edge: opts.gateway, statePath: path });
    }
    this.meter = new BandwidthMeter(this.now);
    this.backoff = new ReconnectBackoff({ initialMs: opts.config.reconnectPeriodMs, maxMs: Math.max(opts.config.reconnectPeriodMs, RECONNECT_MAX_MS) });
    this.aggregator = new SummaryAggregator(this.now());
    this.onError = opts.onError ?? (() => undefined);
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
    this.client.on('connect', () => this.onConnect());
    this.client.on('close', () => this.onClose());
    this.client.on('reconnect', () => {
      this.m.reconnects += 1;
      // Sparkplug: every CONNECT carries a new bdSeq in its NDEATH will.
      if (this.sparkplug && this.client) this.client.options.will = this.will();
    });
    this.backoff.attach(this.client, (why) => this.fail(new Error(`uplink: ${why}`)));
    this.client.on('error', (err) => {
      // Said once per outage (not at every reconnect attempt); lastError keeps the latest.
      this.fail(new Error(`uplink ${this.cfg.url}: ${err.message}`, { cause: err }), !this.outageReported);
      this.outageReported = true;
    });
    this.client.on('packetsend', () => this.countUplinkBytes());
    this.summaryTimer = setInterval(() => this.flushSummaries(), this.cfg.summaryPeriodMs);
    this.summaryTimer.unref();
  }

  /** Stores an alert event and sends it as soon as the broker is reachable. */
  alert(a: UplinkAlert): OutboxMessage {
    if (this.stopped) throw new Error(`uplink: stopped; alert ${a.id} of ${a.asset} not stored`);
    this.aggregator.add({ asset: a.asset, ts: a.ts, alert: a });
    const msg = this.outbox.put('alert', this.topics.alerts, { alert: a }, a.asset);
    if (!msg) throw new Error(`uplink: the outbox refused alert ${a.id} of ${a.asset}; an OutboxStore must never drop alerts`);
    this.pump();
    return msg;
  }

  /**
   * Sends raw values of tags a flow explicitly asked for (lowest priority; dropped first when the outbox is full).
   * Returns false if the bound policy dropped it.
   */
  forwardSample(asset: string, ts: number, values: Record<string, unknown>): boolean {
    if (this.stopped) throw new Error(`uplink: stopped; sample of ${asset} not stored`);
    const msg = this.outbox.put('sample', this.topics.samples, { sample: { asset, ts, values } }, asset);
    if (msg) this.pump();
    return msg !== undefined;
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
    for (const summary of summaries) this.outbox.put('summary', this.topics.summaries, { summary, bandwidth }, summary.asset);
    if (summaries.length > 0) this.pump();
    return summaries.length;
  }

  status(): UplinkStatus {
    this.countUplinkBytes();
    return {
      connected: this.client?.connected ?? false,
      queued: this.outbox.size(),
      outbox: this.outbox.stats(),
      published: this.m.published,
      acknowledged: this.m.acknowledged,
      reconnects: this.m.reconnects,
      reconnectDelayMs: this.backoff.delayMs,
      ...(this.m.lastError !== undefined ? { lastError: this.m.lastError } : {}),
      bandwidth: this.meter.report(),
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
    while (this.outbox.size() > 0) {
      if (Date.now() > deadline) throw new Error(`uplink: ${this.outbox.size()} messages still in the outbox after ${timeoutMs} ms (${this.m.lastError ?? 'no error'})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Publishes the offline status if connected, disconnects, closes the outbox; what is unsent stays on disk. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.summaryTimer);
    clearTimeout(this.retryTimer);
    if (this.ackTimer) clearImmediate(this.ackTimer);
    this.outbox.ackMany(this.acked.splice(0));
    const c = this.client;
    if (c?.connected) {
      const death = this.sparkplug ? this.sparkplug.death(this.now()) : { topic: this.topics.status, payload: this.statusPayload('offline') };
      await Promise.race([
        c.publishAsync(death.topic, death.payload, { qos: 1, retain: !this.sparkplug }).catch(() => undefined),
        new Promise((r) => setTimeout(r, 2000)),
      ]);
    }
    await c?.endAsync(true).catch(() => undefined);
    this.outbox.close();
    this.sparkplug?.close();
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
    if (this.stopped || !c?.connected) return;
    const free = this.cfg.inflightWindow - this.inFlight;
    if (free <= 0) return;
    for (const msg of this.outbox.take(free)) this.publish(c, msg);
  }

  private publish(c: MqttClient, msg: OutboxMessage): void {
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
    c.publish(topic, payload, { qos: 1, properties: { userProperties: { boot: this.boot } } }, (err) => {
      this.inFlight -= 1;
      if (this.stopped) return;
      if (err) {
        this.outbox.release(msg.seq);
        this.fail(new Error(`uplink: ${msg.cls} seq ${msg.seq} not acknowledged: ${err.message}`, { cause: err }));
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.pump(), RETRY_FAILED_MS);
        this.retryTimer.unref();
        return;
      }
      this.acked.push(msg.seq);
      this.m.acknowledged += 1;
      this.ackTimer ??= setImmediate(() => this.flushAcks());
    });
  }

  /**
   * Deletes the acknowledged messages of this turn in one transaction: one fsync per batch instead of per message.
   * A kill -9 between PUBACK and this delete resends those few messages; receivers drop them by id.
   */
  private flushAcks(): void {
    this.ackTimer = undefined;
    const seqs = this.acked.splice(0);
    if (!this.stopped) this.outbox.ackMany(seqs);
    this.pump();
  }

  private countUplinkBytes(): void {
    const s = this.stream;
    if (!s) return;
    const written = s.bytesWritten ?? 0;
    this.meter.addUplinkBytes(written - this.streamCounted);
    this.streamCounted = written;
  }

  private emitStatus(): void {
    const s = { connected: this.client?.connected ?? false, queued: this.outbox.size() };
    for (const l of this.listeners) l(s);
  }

  private fail(err: Error, loud = true): void {
    this.m.lastError = err.message;
    if (loud) this.onError(err);
  }
}
