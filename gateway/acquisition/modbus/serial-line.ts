/**
 * A serial line shared by the RTU slaves on it. Devices on one bus share ONE port and one request queue: RTU is
 * half-duplex, so only one request may be on the wire at a time. Lines are looked up by path and reference
 * counted, so independently built devices (from the YAML config or from Node-RED config nodes) still share.
 */
import type { EventEmitter } from 'node:events';
import { ModbusClient } from './client.ts';
import type { SerialBus } from './config.ts';
import { withTimeout } from './errors.ts';
import { RequestQueue } from './request-queue.ts';
import { GUARD_MARGIN_MS, readWith, type ModbusTransport, type ReadFunction } from './transport.ts';

const lines = new Map<string, SerialLine>();

export class SerialLine {
  readonly bus: SerialBus;
  readonly queue = new RequestQueue();
  #client: ModbusClient | undefined;
  /** Aborted when the port closes, so requests in flight settle at once. */
  #abort = new AbortController();
  #opening: Promise<void> | undefined;
  #users = 0;
  readonly #closeListeners = new Set<() => void>();

  private constructor(bus: SerialBus) {
    this.bus = bus;
  }

  /** The line for bus.path, created on first use. A second bus on the same path must use the same settings. */
  static acquire(bus: SerialBus): SerialLine {
    let line = lines.get(bus.path);
    if (line) {
      const a = settings(line.bus);
      const b = settings(bus);
      if (a !== b) throw new Error(`serial bus "${bus.id}" on ${bus.path} is ${b}, but bus "${line.bus.id}" already uses that port as ${a}`);
    } else {
      line = new SerialLine(bus);
      lines.set(bus.path, line);
    }
    line.#users++;
    return line;
  }

  isOpen(): boolean {
    return this.#client?.isOpen === true;
  }

  /** Opens the port once; concurrent callers share the attempt. */
  open(timeoutMs: number): Promise<void> {
    if (this.isOpen()) return Promise.resolve();
    this.#opening ??= this.#open(timeoutMs).finally(() => { this.#opening = undefined; });
    return this.#opening;
  }

  async #open(timeoutMs: number): Promise<void> {
    const { path, baudRate, dataBits, stopBits, parity } = this.bus;
    const client = new ModbusClient();
    const events = client as unknown as EventEmitter;
    events.on('error', () => {}); // surfaced through request promises and 'close'
    // The buffered RTU port reassembles frames split across reads; the unbuffered one erred over a pty.
    await withTimeout(
      client.connectRTUBuffered(path, { baudRate: baudRate ?? 19200, dataBits: dataBits ?? 8, stopBits: stopBits ?? 1, parity: parity ?? 'even' }),
      timeoutMs + GUARD_MARGIN_MS,
      `open ${path}`,
    ).catch((err: unknown) => {
      client.close(() => {});
      throw err;
    });
    this.#client = client;
    this.#abort = new AbortController();
    events.once('close', () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      this.#abort.abort();
      for (const l of this.#closeListeners) l();
    });
  }

  read(unitId: number, fc: ReadFunction, address: number, count: number, timeoutMs: number): Promise<ArrayLike<number | boolean>> {
    return this.queue.run(async () => {
      const client = this.#client;
      if (!client?.isOpen) throw Object.assign(new Error(`serial port ${this.bus.path} is not open`), { code: 'ENOTCONN' });
      client.setID(unitId);
      client.setTimeout(timeoutMs);
      return withTimeout(readWith(client, fc, address, count), timeoutMs + GUARD_MARGIN_MS, `FC${fc} ${address}+${count}`, this.#abort.signal);
    });
  }

  onClose(listener: () => void): () => void {
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /** A device stops using the line; the last one closes the port. */
  async release(): Promise<void> {
    if (--this.#users > 0) return;
    lines.delete(this.bus.path);
    const client = this.#client;
    this.#client = undefined;
    this.#abort.abort();
    if (client) {
      (client as unknown as EventEmitter).removeAllListeners('close');
      await new Promise<void>((resolve) => client.close(() => resolve()));
    }
  }
}

function settings(bus: SerialBus): string {
  return `${bus.baudRate ?? 19200} baud ${bus.dataBits ?? 8}${(bus.parity ?? 'even')[0].toUpperCase()}${bus.stopBits ?? 1}`;
}

/** One RTU device's view of its line. */
export class RtuTransport implements ModbusTransport {
  readonly line: SerialLine;
  readonly #unsubscribe: (() => void)[] = [];
  #released = false;

  constructor(bus: SerialBus) {
    this.line = SerialLine.acquire(bus);
  }

  open(timeoutMs: number): Promise<void> {
    return this.line.open(timeoutMs);
  }

  isOpen(): boolean {
    return this.line.isOpen();
  }

  read(unitId: number, fc: ReadFunction, address: number, count: number, timeoutMs: number): Promise<ArrayLike<number | boolean>> {
    return this.line.read(unitId, fc, address, count, timeoutMs);
  }

  onClose(listener: () => void): void {
    this.#unsubscribe.push(this.line.onClose(listener));
  }

  async close(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    for (const u of this.#unsubscribe.splice(0)) u();
    await this.line.release();
  }
}
