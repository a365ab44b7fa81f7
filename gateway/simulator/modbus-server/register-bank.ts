/**
 * The four Modbus tables of one unit (slave), with typed reads and writes through the gateway's codec, so the
 * simulator writes a float32 CDAB exactly as the gateway will decode it.
 */
import { decodeRaw, encodeRaw, registerWidth, type CodecOptions, type DecodedValue, type ModbusType, type WordOrder } from '../../acquisition/modbus/codec.ts';
import type { MODBUS_TABLES } from '../../acquisition/modbus/config.ts';

export type ModbusTable = (typeof MODBUS_TABLES)[number];

const TABLE_SIZE = 65536;

export class RegisterBank {
  /** One byte per bit, 0 or 1. */
  readonly coils = new Uint8Array(TABLE_SIZE);
  readonly discrete = new Uint8Array(TABLE_SIZE);
  readonly holding = new Uint16Array(TABLE_SIZE);
  readonly input = new Uint16Array(TABLE_SIZE);

  /** The raw array behind a table. */
  table(table: ModbusTable): Uint8Array | Uint16Array {
    switch (table) {
      case 'coil': return this.coils;
      case 'discrete': return this.discrete;
      case 'holding': return this.holding;
      case 'input': return this.input;
      default: throw new RangeError(`unknown Modbus table "${String(table)}" (expected coil, discrete, holding or input)`);
    }
  }

  /** Writes one value of `type` at `address` (raw, unscaled). Bit tables accept only bool. */
  write(table: ModbusTable, address: number, type: ModbusType, order: WordOrder, value: DecodedValue | bigint, opts: CodecOptions = {}): void {
    const arr = this.table(table);
    this.checkAddress(table, address, type, opts);
    if (isBitTable(table)) {
      if (type !== 'bool') throw new TypeError(`${table} ${address}: a bit table holds only bool, not ${type}`);
      encodeRaw(value, arr, address, 'bool', order, {});
      return;
    }
    encodeRaw(value, arr, address, type, order, opts);
  }

  /** Reads one raw value of `type` at `address`. */
  read(table: ModbusTable, address: number, type: ModbusType, order: WordOrder = 'ABCD', opts: CodecOptions = {}): DecodedValue {
    this.checkAddress(table, address, type, opts);
    if (isBitTable(table) && type !== 'bool') throw new TypeError(`${table} ${address}: a bit table holds only bool, not ${type}`);
    return decodeRaw(this.table(table), address, type, order, isBitTable(table) ? {} : opts);
  }

  /** Sets raw registers (or bits) starting at address. */
  set(table: ModbusTable, address: number, values: ArrayLike<number>): void {
    if (!Number.isInteger(address) || address < 0 || address + values.length > TABLE_SIZE) {
      throw new RangeError(`${table} ${address}+${values.length} is outside 0..65535`);
    }
    this.table(table).set(values, address);
  }

  private checkAddress(table: ModbusTable, address: number, type: ModbusType, opts: CodecOptions): void {
    const n = isBitTable(table) ? 1 : registerWidth(type, opts);
    if (!Number.isInteger(address) || address < 0 || address + n > TABLE_SIZE) {
      throw new RangeError(`${table} ${address}: ${type} needs ${n} address(es) inside 0..65535`);
    }
  }
}

export function isBitTable(table: ModbusTable): boolean {
  return table === 'coil' || table === 'discrete';
}
