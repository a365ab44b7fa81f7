/**
 * One Modbus slave (TCP, or RTU on a shared serial line) as a pipeline Input: its own connection and poll loop,
 * so a slow or dead device never stalls another. Every failure becomes per-tag bad quality with a precise reason
 * and shows in the DeviceStatus; nothing throws out of the poll loop.
 */
import type { Input, SampleListener, StatusListener } from '../../core/pipeline.ts';
import { GOOD, bad, type DeviceStatus, type Quality, type SampleBatch } from '../../core/sample.ts';
import { Backoff } from './backoff.ts';
import { decode } from './codec.ts';
import type { ModbusRtuDevice, ModbusTcpDevice, SerialBus } from './config.ts';
import { classifyFailure, type RequestFailure } from './errors.ts';
import { describeBlock, type PlanLimits, type RegisterBlock } from './planner.ts';
import { PollCycle, groupsFromTags, type PollGroup, type ScheduledGroup } from './poll-cycle.ts';
import { RtuTransport } from './serial-line.ts';
import { TcpTransport, type ModbusTransport } from './transport.ts';

export type ModbusDeviceConfig = ModbusTcpDevice | ModbusRtuDevice;

export interface ModbusDeviceOptions {
  /** The serial bus an RTU device names in `bus`. */
  bus?: SerialBus;
  /** For tests: the jitter source of the backoff. */
  random?: () => number;
}

export class ModbusDevice implements Input {
  readonly id: string;
  readonly config: ModbusDeviceConfig;
  readonly #bus: SerialBus | undefined;
  readonly #limits: PlanLimits;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #backoff: Backoff;
  readonly #cycles = new Map<number, PollCycle>();
  readonly #sampleListeners = new Set<SampleListener>();
  readonly #statusListeners = new Set<StatusListener>();
  readonly #status: DeviceStatus;
  #transport: ModbusTransport | undefined;
  #started = false;
  #everConnected = false;
  #connecting: Promise<void> | undefined;
  /** RTU: a slave that timed out is skipped until then, so it never starves the others on the bus. */
  #skipUntil = 0;
  #wake: (() => void) | undefined;
  #sleepTimer: NodeJS.Timeout | undefined;

  constructor(config: ModbusDeviceConfig, opts: ModbusDeviceOptions = {}) {
    this.id = config.id;
    this.config = config;
    if (config.protocol === 'modbus-rtu') {
      if (!opts.bus) throw new Error(`device "${config.id}": RTU device needs its serial bus "${config.bus}"`);
      if (opts.bus.id !== config.bus) throw new Error(`device "${config.id}": names bus "${config.bus}" but was given bus "${opts.bus.id}"`);
    }
    this.#bus = opts.bus;
    this.#limits = {
      unitId: config.unitId ?? 1,
      order: config.order ?? 'ABCD',
      maxGap: config.maxGap ?? 16,
      maxRegistersPerRead: config.maxRegistersPerRead ?? 125,
      maxBitsPerRead: config.maxBitsPerRead ?? 2000,
    };
    this.#timeoutMs = config.timeoutMs ?? 1000;
    this.#retries = config.retries ?? 1;
    this.#backoff = new Backoff(config.backoff?.initialMs ?? 500, config.backoff?.maxMs ?? 30_000, opts.random);
    this.#status = { id: config.id, protocol: config.protocol, state: 'disconnected', connected: false, samples: 0, errors: 0, reconnects: 0, requests: 0, skippedPolls: 0 };
    const groups = groupsFromTags(config.tags ?? [], config.asset ?? config.id, config.pollIntervalMs ?? 1000);
    try {
      for (const g of groups) this.addPollGroup(g);
    } catch (err) {
      throw new Error(`device "${config.id}": ${(err as Error).message}`);
    }
  }

  /** Adds a poll group (e.g. from a Node-RED modbus-read node); returns the function that removes it. */
  addPollGroup(group: PollGroup): () => void {
    let cycle = this.#cycles.get(group.intervalMs);
    const fresh = !cycle;
    cycle ??= new PollCycle(group.intervalMs, this.#limits, (c) => this.#poll(c));
    cycle.add(group);
    if (fresh) {
      this.#cycles.set(group.intervalMs, cycle);
      if (this.#started) cycle.start();
    }
    return () => {
      cycle.remove(group.id);
      if (cycle.groups.size === 0 && this.#cycles.get(group.intervalMs) === cycle) {
        this.#cycles.delete(group.intervalMs);
        void cycle.stop();
      }
    };
  }

  /** The planned requests, per interval (for tools and tests). */
  plan(): { intervalMs: number; blocks: readonly RegisterBlock<ScheduledGroup>[] }[] {
    return [...this.#cycles.values()].map((c) => ({ intervalMs: c.intervalMs, blocks: c.blocks }));
  }

  /**
   * Connects (one attempt, then keeps retrying in the background) and starts polling. Rejects only for a
   * configuration conflict no retry can fix (two buses on one serial port with different settings).
   */
  async start(): Promise<void> {
    if (this.#started) return;
    const cfg = this.config;
    let transport: ModbusTransport;
    try {
      transport = cfg.protocol === 'modbus-tcp' ? new TcpTransport(cfg.host, cfg.port ?? 502) : new RtuTransport(this.#bus!);
    } catch (err) {
      this.#status.lastError = `device "${this.id}": ${(err as Error).message}`;
      this.#setState('stopped', false);
      throw new Error(this.#status.lastError);
    }
    this.#started = true;
    this.#transport = transport;
    transport.onClose(() => this.#lost(`connection closed by ${this.#where()}`));
    await this.#connectOnce();
    if (!this.#started) return;
    if (!transport.isOpen()) void this.#reconnect();
    for (const c of this.#cycles.values()) c.start();
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#wake?.();
    // Close first: requests in flight settle at once instead of running into their timeout.
    const closing = this.#transport?.close();
    await Promise.all([...this.#cycles.values()].map((c) => c.stop()));
    await closing;
    this.#transport = undefined;
    this.#setState('stopped', false);
  }

  status(): DeviceStatus {
    let skipped = 0;
    for (const c of this.#cycles.values()) skipped += c.skipped;
    return { ...this.#status, skippedPolls: skipped };
  }

  onSamples(listener: SampleListener): () => void {
    this.#sampleListeners.add(listener);
    return () => this.#sampleListeners.delete(listener);
  }

  onStatus(listener: StatusListener): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  // ---- polling ----

  async #poll(cycle: PollCycle): Promise<void> {
    const ts = Date.now();
    for (const sg of cycle.groups.values()) {
      sg.batch = { device: this.id, asset: sg.group.asset, group: sg.group.id, ts, values: {}, quality: {} };
    }
    for (const block of cycle.blocks) {
      if (!this.#started) return;
      await this.#readBlock(block);
    }
    if (!this.#started) return;
    let n = 0;
    const batches: SampleBatch[] = [];
    for (const sg of cycle.groups.values()) {
      if (!sg.batch) continue;
      batches.push(sg.batch);
      n += sg.group.tags.length;
      sg.batch = undefined;
    }
    this.#status.samples += n;
    this.#status.lastSampleTs = ts;
    for (const b of batches) this.#emit(this.#sampleListeners, b);
  }

  async #readBlock(block: RegisterBlock<ScheduledGroup>): Promise<void> {
    const gate = this.#gate();
    if (gate) return fill(block, null, gate);
    let data: ArrayLike<number | boolean> | undefined;
    let failure: RequestFailure | undefined;
    for (let attempt = 0; attempt <= this.#retries && this.#started; attempt++) {
      try {
        this.#status.requests++;
        data = await this.#transport!.read(block.unitId, block.functionCode, block.address, block.count, this.#timeoutMs);
        break;
      } catch (err) {
        this.#status.errors++;
        failure = classifyFailure(err, block, this.#timeoutMs);
        if (failure.kind !== 'timeout') break; // exceptions are the slave's answer; connection errors need a reconnect
      }
    }
    if (data && data.length >= block.count) {
      this.#decode(block, data);
      if (this.#status.state !== 'connected') {
        // A skipped RTU slave answered its probe: back to normal polling.
        this.#backoff.reset();
        this.#skipUntil = 0;
        this.#setState('connected', true);
      }
      return;
    }
    failure ??= { kind: 'exception', reason: `short response: ${data?.length ?? 0} of ${block.count} values reading ${describeBlock(block)}`, code: 'short-response' };
    fill(block, null, bad(failure.reason, failure.code));
    this.#status.lastError = failure.reason;
    if (failure.kind === 'timeout') this.#onTimeout();
    else if (failure.kind === 'connection') {
      if (this.config.protocol === 'modbus-tcp') void this.#transport?.close();
      this.#lost(failure.reason);
    }
    else this.#emitStatus();
  }

  #decode(block: RegisterBlock<ScheduledGroup>, data: ArrayLike<number | boolean>): void {
    for (const t of block.tags) {
      const batch = t.ref.batch;
      if (!batch) continue;
      try {
        const v = decode(data as ArrayLike<number>, t.offset, t.type, t.order, t.opts, t.scale, t.valueOffset);
        if (typeof v === 'number' && !Number.isFinite(v)) {
          // A float register holding NaN or ±Inf (often a device's "no reading" pattern) is not a measurement.
          batch.values[t.name] = null;
          batch.quality[t.name] = bad(`${t.type} at ${describeBlock(block)} offset ${t.offset} is ${v}, not a finite value`, 'non-finite');
          continue;
        }
        batch.values[t.name] = v;
        batch.quality[t.name] = GOOD;
      } catch (err) {
        batch.values[t.name] = null;
        batch.quality[t.name] = bad(`cannot decode ${t.type} at ${describeBlock(block)} offset ${t.offset}: ${(err as Error).message}`, 'decode');
      }
    }
  }

  /** Why no request may go out now, or undefined when one may. */
  #gate(): Quality | undefined {
    if (!this.#transport?.isOpen()) {
      return bad(`device "${this.id}" not connected to ${this.#where()}${this.#status.lastError ? `: ${this.#status.lastError}` : ''}`, 'disconnected');
    }
    const wait = this.#skipUntil - Date.now();
    if (wait > 0) return bad(`unit ${this.#limits.unitId} skipped for ${wait} ms after a timeout: ${this.#status.lastError}`, 'backoff');
    return undefined;
  }

  #onTimeout(): void {
    if (this.config.protocol === 'modbus-rtu') {
      // The bus stays open for the other slaves; this one sits out for a growing while.
      this.#skipUntil = Date.now() + this.#backoff.next();
      this.#setState('backoff', false);
    } else {
      // A TCP peer that stopped answering is often a half-open socket: start over with a fresh connection.
      void this.#transport?.close();
      this.#lost(this.#status.lastError ?? 'timeout');
    }
  }

  // ---- connection ----

  #where(): string {
    const c = this.config;
    return c.protocol === 'modbus-tcp' ? `${c.host}:${c.port ?? 502}` : `${this.#bus?.path} unit ${c.unitId ?? 1}`;
  }

  async #connectOnce(): Promise<boolean> {
    this.#setState('connecting', false);
    try {
      await this.#transport!.open(this.#timeoutMs);
    } catch (err) {
      this.#status.errors++;
      this.#status.lastError = `cannot connect to ${this.#where()}: ${(err as Error).message}`;
      this.#setState('backoff', false);
      return false;
    }
    if (this.#everConnected) this.#status.reconnects++;
    this.#everConnected = true;
    this.#backoff.reset();
    this.#skipUntil = 0;
    this.#setState('connected', true);
    return true;
  }

  #lost(reason: string): void {
    if (!this.#started) return;
    this.#status.lastError = reason;
    this.#setState('disconnected', false);
    void this.#reconnect();
  }

  /** Retries with jittered exponential backoff until connected or stopped; one loop at a time. */
  #reconnect(): Promise<void> {
    this.#connecting ??= (async () => {
      while (this.#started && !this.#transport?.isOpen()) {
        this.#setState('backoff', false);
        await this.#sleep(this.#backoff.next());
        if (!this.#started) break;
        if (await this.#connectOnce()) break;
      }
    })().finally(() => { this.#connecting = undefined; });
    return this.#connecting;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = () => { clearTimeout(this.#sleepTimer); this.#wake = undefined; resolve(); };
      this.#sleepTimer = setTimeout(this.#wake, ms);
    });
  }

  #setState(state: DeviceStatus['state'], connected: boolean): void {
    if (this.#status.state === state && this.#status.connected === connected) return;
    this.#status.state = state;
    this.#status.connected = connected;
    this.#emitStatus();
  }

  #emitStatus(): void {
    const s = this.status();
    for (const l of this.#statusListeners) this.#safe(() => l(s));
  }

  #emit(listeners: Set<SampleListener>, batch: SampleBatch): void {
    for (const l of listeners) this.#safe(() => l(batch));
  }

  /** A listener that throws must not break the poll loop; it is reported as a process warning. */
  #safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      process.emitWarning(`modbus device "${this.id}": a listener threw: ${(err as Error).message}`);
    }
  }
}

/** Gives every tag of the block the same value and quality (one shared Quality object, no per-tag allocation). */
function fill(block: RegisterBlock<ScheduledGroup>, value: null, quality: Quality): void {
  for (const t of block.tags) {
    const batch = t.ref.batch;
    if (!batch) continue;
    batch.values[t.name] = value;
    batch.quality[t.name] = quality;
  }
}
