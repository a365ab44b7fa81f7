/**
 * One-shot read for commissioning: `telltale probe modbus://HOST:PORT?unit=1 --address 0 --count 10 --type float32`.
 * Prints a table of address, raw registers (hex) and the decoded value, using the same transports and codec as
 * the gateway, so what the probe shows is what the gateway will read.
 */
import { decode, registerWidth, type ModbusType, type WordOrder } from './codec.ts';
import { MODBUS_TYPES, WORD_ORDERS, type SerialBus } from './config.ts';
import { classifyFailure } from './errors.ts';
import type { ModbusTable } from './planner.ts';
import { RtuTransport } from './serial-line.ts';
import { TcpTransport, type ModbusTransport, type ReadFunction } from './transport.ts';

export interface ModbusProbeOptions {
  address: number;
  /** Values of the type (not registers). */
  count: number;
  type: ModbusType;
  order: WordOrder;
  /** 1 coils, 2 discrete inputs, 3 holding (default), 4 input registers. */
  function: ReadFunction;
  timeoutMs: number;
  /** bool from a register: the bit. */
  bit?: number;
  /** string: registers per value. */
  length?: number;
}

export interface ModbusTarget {
  unitId: number;
  label: string;
  transport(): ModbusTransport;
}

const TABLE_OF: Record<ReadFunction, ModbusTable> = { 1: 'coil', 2: 'discrete', 3: 'holding', 4: 'input' };
const PARITIES = ['none', 'even', 'odd'] as const;

/** Parses modbus://host:port?unit=1 (or modbus-tcp://) and modbus-rtu:///dev/ttyUSB0?baud=19200&parity=even&unit=1. */
export function parseModbusUrl(url: string): ModbusTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`probe: "${url}" is not a URL (expected modbus://HOST:PORT?unit=1 or modbus-rtu:///dev/ttyUSB0?baud=19200)`);
  }
  const q = u.searchParams;
  const unitId = intParam(q, 'unit', 1, 0, 255);
  if (u.protocol === 'modbus:' || u.protocol === 'modbus-tcp:') {
    if (!u.hostname) throw new Error(`probe: ${url} has no host`);
    const port = u.port ? Number(u.port) : 502;
    const host = u.hostname.replace(/^\[|\]$/g, '');
    return { unitId, label: `${host}:${port} unit ${unitId}`, transport: () => new TcpTransport(host, port) };
  }
  if (u.protocol === 'modbus-rtu:') {
    const path = decodeURIComponent(u.pathname);
    if (!path || path === '/') throw new Error(`probe: ${url} names no serial device (e.g. modbus-rtu:///dev/ttyUSB0)`);
    const parity = q.get('parity') ?? 'even';
    if (!(PARITIES as readonly string[]).includes(parity)) throw new Error(`probe: parity: expected one of ${PARITIES.join(', ')}, got "${parity}"`);
    const bus: SerialBus = {
      id: 'probe',
      path,
      baudRate: intParam(q, 'baud', 19200, 300, 4_000_000),
      dataBits: intParam(q, 'databits', 8, 7, 8) as 7 | 8,
      stopBits: intParam(q, 'stopbits', 1, 1, 2) as 1 | 2,
      parity: parity as SerialBus['parity'],
    };
    return { unitId, label: `${path} ${bus.baudRate} baud ${parity} unit ${unitId}`, transport: () => new RtuTransport(bus) };
  }
  throw new Error(`probe: unsupported scheme "${u.protocol}" (expected modbus://, modbus-rtu:// or opc.tcp://)`);
}

function intParam(q: URLSearchParams, name: string, dflt: number, min: number, max: number): number {
  const raw = q.get(name);
  if (raw === null) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`probe: ${name}: expected a whole number in ${min}..${max}, got "${raw}"`);
  return n;
}

/** Checks option combinations; returns how many registers (or bits) one value takes. */
export function checkProbeOptions(o: ModbusProbeOptions): number {
  if (!(MODBUS_TYPES as readonly string[]).includes(o.type)) throw new Error(`probe: --type: expected one of ${MODBUS_TYPES.join(', ')}, got "${o.type}"`);
  if (!(WORD_ORDERS as readonly string[]).includes(o.order)) throw new Error(`probe: --order: expected one of ${WORD_ORDERS.join(', ')}, got "${o.order}"`);
  if (![1, 2, 3, 4].includes(o.function)) throw new Error(`probe: --function: expected 1, 2, 3 or 4, got "${o.function}"`);
  if (!Number.isInteger(o.address) || o.address < 0 || o.address > 65535) throw new Error(`probe: --address: expected 0..65535, got "${o.address}"`);
  if (!Number.isInteger(o.count) || o.count < 1) throw new Error(`probe: --count: expected a whole number ≥ 1, got "${o.count}"`);
  if (!Number.isInteger(o.timeoutMs) || o.timeoutMs < 10) throw new Error(`probe: --timeout: expected ms ≥ 10, got "${o.timeoutMs}"`);
  const bits = o.function === 1 || o.function === 2;
  if (bits && o.type !== 'bool') throw new Error(`probe: --function ${o.function} reads single bits, so --type must be bool (got ${o.type})`);
  if (o.bit !== undefined && (o.type !== 'bool' || bits)) throw new Error('probe: --bit picks a bit of a register: use it with --type bool and --function 3 or 4');
  if (o.type === 'bool' && !bits && o.bit === undefined) throw new Error('probe: --type bool on registers needs --bit 0..15 (or read coils with --function 1)');
  const width = bits ? 1 : registerWidth(o.type, { length: o.length });
  if (o.address + width * o.count > 65536) throw new Error(`probe: ${o.count} × ${o.type} from ${o.address} runs past address 65535`);
  return width;
}

/** Reads once and prints the table. Throws with a precise message when the device cannot be read. */
export async function probeModbus(url: string, o: ModbusProbeOptions, print: (line: string) => void): Promise<void> {
  const target = parseModbusUrl(url);
  const width = checkProbeOptions(o);
  const bits = o.function === 1 || o.function === 2;
  const table = TABLE_OF[o.function];
  const total = width * o.count;
  // Several requests when the values do not fit one (≤ 125 registers or ≤ 2000 bits), never splitting a value.
  const perRead = bits ? 2000 : Math.floor(125 / width) * width;
  const transport = target.transport();
  const data: (number | boolean)[] = [];
  try {
    await transport.open(o.timeoutMs).catch((err: Error) => {
      throw new Error(`probe: cannot connect to ${target.label}: ${err.message}`);
    });
    for (let at = 0; at < total; at += perRead) {
      const n = Math.min(perRead, total - at);
      const block = { table, address: o.address + at, count: n, unitId: target.unitId };
      try {
        const got = await transport.read(target.unitId, o.function, block.address, n, o.timeoutMs);
        for (let i = 0; i < n; i++) data.push(got[i]);
      } catch (err) {
        throw new Error(`probe: ${classifyFailure(err, block, o.timeoutMs).reason}`);
      }
    }
  } finally {
    await transport.close();
  }
  const what = o.type === 'string' ? `string[${width}]` : o.type;
  const orderNote = width > 1 || o.order !== 'ABCD' ? ` ${o.order}` : '';
  print(`${target.label} · ${table} (FC${o.function}) · ${o.count} × ${what}${orderNote}${o.bit !== undefined ? ` bit ${o.bit}` : ''}`);
  const rows: string[][] = [['address', bits ? 'bit' : 'raw', 'value']];
  for (let v = 0; v < o.count; v++) {
    const at = v * width;
    const raw = bits
      ? String(data[at] ? 1 : 0)
      : data.slice(at, at + width).map((r) => `0x${Number(r).toString(16).padStart(4, '0')}`).join(' ');
    const value = decode(data as ArrayLike<number>, at, o.type, o.order, bits ? {} : { bit: o.bit, length: o.length });
    rows.push([String(o.address + at), raw, typeof value === 'string' ? JSON.stringify(value) : String(value)]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) print(r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  '));
}
