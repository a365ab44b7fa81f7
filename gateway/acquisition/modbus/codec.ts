/**
 * Decode and encode Modbus register values for every tag type and byte/word order.
 *
 * Orders, for a value whose big-endian bytes are A B C D (E F G H for 64-bit; A = most significant byte):
 *   ABCD  big-endian words and bytes: reg0 = A B, reg1 = C D                     (Modbus standard)
 *   CDAB  word-swapped: the registers come least significant word first, bytes big-endian
 *         inside each word: reg0 = C D, reg1 = A B; 64-bit: reg0 = G H, reg1 = E F, reg2 = C D, reg3 = A B
 *   BADC  byte-swapped: words in big-endian order, the two bytes of every word swapped: reg0 = B A, reg1 = D C
 *   DCBA  little-endian: words reversed and bytes swapped: reg0 = D C, reg1 = B A
 * Single-register types (int16, uint16) honour only the byte swap (BADC, DCBA). Strings are a byte sequence
 * (first char = byte A) and take the same transform, so BADC swaps the two chars of every register.
 * bool is a coil/discrete bit or, in a holding/input register, the bit `bit` (0 = LSB) of one register.
 *
 * Hand-written: Buffer's readXX helpers only cover whole-buffer endianness, not the four word/byte orders;
 * a DataView over an 8-byte scratch keeps the hot path free of allocations.
 */
import type { MODBUS_TYPES, WORD_ORDERS } from './config.ts';

export type ModbusType = (typeof MODBUS_TYPES)[number];
export type WordOrder = (typeof WORD_ORDERS)[number];
export type DecodedValue = number | boolean | string;

export interface CodecOptions {
  /** bool in a register: the bit, 0 = LSB. Without it, bool reads a coil/discrete bit. */
  bit?: number;
  /** string: number of registers (2 ASCII chars each). */
  length?: number;
}

const WIDTH: Record<ModbusType, number> = {
  bool: 1, int16: 1, uint16: 1, int32: 2, uint32: 2, float32: 2, int64: 4, uint64: 4, float64: 4, string: 1,
};

/** Registers (or bits, for a coil/discrete bool) one value of this type occupies. */
export function registerWidth(type: ModbusType, opts: CodecOptions = {}): number {
  if (type === 'string') return opts.length ?? 1;
  return WIDTH[type];
}

const scratch = new DataView(new ArrayBuffer(8));
const swapBytes = (r: number): number => ((r & 0xff) << 8) | ((r >>> 8) & 0xff);
const wordSwapped = (order: WordOrder): boolean => order === 'CDAB' || order === 'DCBA';
const byteSwapped = (order: WordOrder): boolean => order === 'BADC' || order === 'DCBA';

/** Copies n registers into the scratch as big-endian bytes (undoing the order). */
function gather(regs: ArrayLike<number>, at: number, n: number, order: WordOrder): void {
  const ws = wordSwapped(order);
  const bs = byteSwapped(order);
  for (let i = 0; i < n; i++) {
    const r = regs[ws ? at + n - 1 - i : at + i];
    scratch.setUint16(i * 2, bs ? swapBytes(r) : r);
  }
}

/** Writes n big-endian words from the scratch into out in the given order. */
function scatter(out: { [i: number]: number }, at: number, n: number, order: WordOrder): void {
  const ws = wordSwapped(order);
  const bs = byteSwapped(order);
  for (let i = 0; i < n; i++) {
    const w = scratch.getUint16(i * 2);
    out[ws ? at + n - 1 - i : at + i] = bs ? swapBytes(w) : w;
  }
}

function checkSpan(regs: ArrayLike<number>, at: number, n: number, type: ModbusType): void {
  if (at < 0 || at + n > regs.length) {
    throw new RangeError(`${type} needs ${n} register(s) at offset ${at}, but only ${regs.length} were given`);
  }
}

/**
 * Decodes one raw (unscaled) value from registers starting at index `at`.
 * For a coil/discrete bool, `regs` holds one bit per element.
 */
export function decodeRaw(regs: ArrayLike<number>, at: number, type: ModbusType, order: WordOrder, opts: CodecOptions = {}): DecodedValue {
  const n = registerWidth(type, opts);
  checkSpan(regs, at, n, type);
  switch (type) {
    case 'bool':
      // Bit tables may arrive as 0/1 or as booleans (modbus-serial's readCoils).
      return opts.bit === undefined ? Boolean(regs[at]) : ((regs[at] >>> opts.bit) & 1) === 1;
    case 'int16':
    case 'uint16': {
      const r = byteSwapped(order) ? swapBytes(regs[at]) : regs[at] & 0xffff;
      return type === 'int16' ? (r << 16) >> 16 : r;
    }
    case 'string':
      return decodeString(regs, at, n, order);
    default:
      break;
  }
  gather(regs, at, n, order);
  switch (type) {
    case 'int32': return scratch.getInt32(0);
    case 'uint32': return scratch.getUint32(0);
    case 'float32': return scratch.getFloat32(0);
    case 'int64': return Number(scratch.getBigInt64(0));
    case 'uint64': return Number(scratch.getBigUint64(0));
    case 'float64': return scratch.getFloat64(0);
  }
}

function decodeString(regs: ArrayLike<number>, at: number, n: number, order: WordOrder): string {
  const ws = wordSwapped(order);
  const bs = byteSwapped(order);
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = regs[ws ? at + n - 1 - i : at + i];
    const w = bs ? swapBytes(r) : r;
    s += String.fromCharCode((w >>> 8) & 0xff, w & 0xff);
  }
  // Devices pad fixed-length string registers with NUL or spaces.
  return s.replace(/[\0 ]+$/, '');
}

/** Decodes and applies value*scale+offset to numbers (bool and string pass through). */
export function decode(
  regs: ArrayLike<number>, at: number, type: ModbusType, order: WordOrder, opts: CodecOptions = {}, scale = 1, offset = 0,
): DecodedValue {
  const v = decodeRaw(regs, at, type, order, opts);
  return typeof v === 'number' && (scale !== 1 || offset !== 0) ? v * scale + offset : v;
}

const INT_RANGE: Partial<Record<ModbusType, readonly [number, number]>> = {
  int16: [-0x8000, 0x7fff], uint16: [0, 0xffff], int32: [-0x80000000, 0x7fffffff], uint32: [0, 0xffffffff],
};
const BIG_RANGE: Partial<Record<ModbusType, readonly [bigint, bigint]>> = {
  int64: [-(1n << 63n), (1n << 63n) - 1n], uint64: [0n, (1n << 64n) - 1n],
};

/**
 * Encodes one raw (unscaled) value into `out` starting at `at`. A bool with `bit` sets or clears that bit
 * of the existing register; a coil/discrete bool writes 1 or 0. Integers must be whole and in range.
 */
export function encodeRaw(
  value: DecodedValue | bigint, out: { [i: number]: number; length: number }, at: number, type: ModbusType, order: WordOrder,
  opts: CodecOptions = {},
): void {
  const n = registerWidth(type, opts);
  checkSpan(out, at, n, type);
  if (type === 'bool') {
    const on = value === true || value === 1 || value === 1n;
    if (!on && value !== false && value !== 0 && value !== 0n) throw new TypeError(`bool expects true/false or 1/0, got ${String(value)}`);
    if (opts.bit === undefined) out[at] = on ? 1 : 0;
    else out[at] = on ? (out[at] | (1 << opts.bit)) & 0xffff : out[at] & ~(1 << opts.bit) & 0xffff;
    return;
  }
  if (type === 'string') {
    if (typeof value !== 'string') throw new TypeError(`string expects a string, got ${typeof value}`);
    if (value.length > n * 2) throw new RangeError(`string "${value}" has ${value.length} chars, ${n} register(s) hold ${n * 2}`);
    for (let i = 0; i < n * 2; i += 2) {
      const w = (((value.charCodeAt(i) || 0) & 0xff) << 8) | ((value.charCodeAt(i + 1) || 0) & 0xff);
      const word = i / 2;
      out[wordSwapped(order) ? at + n - 1 - word : at + word] = byteSwapped(order) ? swapBytes(w) : w;
    }
    return;
  }
  if (type === 'int64' || type === 'uint64') {
    const big = toBigInt(value, type);
    const [lo, hi] = BIG_RANGE[type]!;
    if (big < lo || big > hi) throw new RangeError(`${type} value ${big} is out of range ${lo}..${hi}`);
    if (type === 'int64') scratch.setBigInt64(0, big);
    else scratch.setBigUint64(0, big);
    scatter(out, at, n, order);
    return;
  }
  const num = typeof value === 'bigint' ? Number(value) : typeof value === 'boolean' ? Number(value) : value;
  if (typeof num !== 'number' || (Number.isNaN(num) && type !== 'float32' && type !== 'float64')) {
    throw new TypeError(`${type} expects a number, got ${JSON.stringify(value)}`);
  }
  const range = INT_RANGE[type];
  if (range) {
    if (!Number.isInteger(num) || num < range[0] || num > range[1]) {
      throw new RangeError(`${type} value ${num} is not a whole number in ${range[0]}..${range[1]}`);
    }
  }
  switch (type) {
    case 'int16':
    case 'uint16': {
      const w = num & 0xffff;
      out[at] = byteSwapped(order) ? swapBytes(w) : w;
      return;
    }
    case 'int32': scratch.setInt32(0, num); break;
    case 'uint32': scratch.setUint32(0, num); break;
    case 'float32': scratch.setFloat32(0, num); break;
    case 'float64': scratch.setFloat64(0, num); break;
  }
  scatter(out, at, n, order);
}

function toBigInt(value: DecodedValue | bigint, type: ModbusType): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw new TypeError(`${type} expects a whole number or bigint, got ${JSON.stringify(value)}`);
}

/** Encodes an engineering value: undoes value*scale+offset first (rounding for integer types). */
export function encode(
  value: DecodedValue | bigint, out: { [i: number]: number; length: number }, at: number, type: ModbusType, order: WordOrder,
  opts: CodecOptions = {}, scale = 1, offset = 0,
): void {
  if (typeof value === 'number' && (scale !== 1 || offset !== 0)) {
    if (scale === 0) throw new RangeError(`cannot unscale ${value}: scale is 0`);
    const raw = (value - offset) / scale;
    value = type === 'float32' || type === 'float64' ? raw : Math.round(raw);
  }
  encodeRaw(value, out, at, type, order, opts);
}

/** Convenience for tools and tests: the registers of one value as a fresh array. */
export function encodeToRegisters(value: DecodedValue | bigint, type: ModbusType, order: WordOrder, opts: CodecOptions = {}): Uint16Array {
  const out = new Uint16Array(registerWidth(type, opts));
  encodeRaw(value, out, 0, type, order, opts);
  return out;
}
