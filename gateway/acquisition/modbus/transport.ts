/**
 * The wire under a ModbusDevice: a TCP connection of its own, or a share of a serial line (see serial-line.ts).
 * Both go through modbus-serial's client; each request is guarded by our own timer too, because a request in
 * flight when the socket dies is otherwise never settled.
 */
import type { EventEmitter } from 'node:events';
import { ModbusClient } from './client.ts';
import { withTimeout } from './errors.ts';
import { RequestQueue } from './request-queue.ts';

export type ReadFunction = 1 | 2 | 3 | 4;

export interface ModbusTransport {
  /** Opens the connection; rejects with the reason when it cannot. */
  open(timeoutMs: number): Promise<void>;
  isOpen(): boolean;
  /** One read of `count` registers or bits; bits come back as booleans, registers as numbers. */
  read(unitId: number, fc: ReadFunction, address: number, count: number, timeoutMs: number): Promise<ArrayLike<number | boolean>>;
  /** Called once each time an open connection is lost. */
  onClose(listener: () => void): void;
  close(): Promise<void>;
}

/** Issues one read on a modbus-serial client that is already addressed (setID) and timed (setTimeout). */
export async function readWith(client: ModbusClient, fc: ReadFunction, address: number, count: number): Promise<ArrayLike<number | boolean>> {
  switch (fc) {
    case 1: return (await client.readCoils(address, count)).data;
    case 2: return (await client.readDiscreteInputs(address, count)).data;
    case 3: return (await client.readHoldingRegisters(address, count)).data;
    case 4: return (await client.readInputRegisters(address, count)).data;
  }
}

/** Extra time our guard allows beyond the library's own timeout before giving up on a request. */
export const GUARD_MARGIN_MS = 250;

export class TcpTransport implements ModbusTransport {
  readonly host: string;
  readonly port: number;
  #client: ModbusClient | undefined;
  /** Aborted when the connection is dropped, so requests in flight settle at once. */
  #abort = new AbortController();
  readonly #queue = new RequestQueue();
  readonly #closeListeners: (() => void)[] = [];

  constructor(host: string, port: number) {
    this.host = host;
    this.port = port;
  }

  async open(timeoutMs: number): Promise<void> {
    if (this.#client?.isOpen) return;
    this.#drop();
    const client = new ModbusClient();
    this.#client = client;
    this.#abort = new AbortController();
    client.on('error', () => {}); // errors surface through the request promises and 'close'
    try {
      await withTimeout(client.connectTCP(this.host, { port: this.port, timeout: timeoutMs }), timeoutMs + GUARD_MARGIN_MS, `connect to ${this.host}:${this.port}`);
    } catch (err) {
      this.#drop();
      throw err;
    }
    (client as unknown as EventEmitter).once('close', () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      this.#abort.abort();
      for (const l of this.#closeListeners) l();
    });
  }

  isOpen(): boolean {
    return this.#client?.isOpen === true;
  }

  read(unitId: number, fc: ReadFunction, address: number, count: number, timeoutMs: number): Promise<ArrayLike<number | boolean>> {
    return this.#queue.run(async () => {
      const client = this.#client;
      if (!client?.isOpen) throw Object.assign(new Error(`not connected to ${this.host}:${this.port}`), { code: 'ENOTCONN' });
      client.setID(unitId);
      client.setTimeout(timeoutMs);
      return withTimeout(readWith(client, fc, address, count), timeoutMs + GUARD_MARGIN_MS, `FC${fc} ${address}+${count}`, this.#abort.signal);
    });
  }

  onClose(listener: () => void): void {
    this.#closeListeners.push(listener);
  }

  async close(): Promise<void> {
    this.#drop();
  }

  /** Forgets the current socket without firing close listeners (a deliberate close, not a loss). */
  #drop(): void {
    const client = this.#client;
    this.#client = undefined;
    this.#abort.abort();
    if (!client) return;
    (client as unknown as EventEmitter).removeAllListeners('close');
    client.destroy(() => {});
  }
}
