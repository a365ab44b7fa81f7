import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decode, decodeRaw, encode, encodeRaw, encodeToRegisters, registerWidth, type ModbusType } from '../../../gateway/acquisition/modbus/codec.ts';
import { MODBUS_TYPES, WORD_ORDERS } from '../../../gateway/acquisition/modbus/config.ts';

const arbitrary: Record<Exclude<ModbusType, 'bool' | 'string'>, fc.Arbitrary<number | bigint>> = {
  int16: fc.integer({ min: -0x8000, max: 0x7fff }),
  uint16: fc.integer({ min: 0, max: 0xffff }),
  int32: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  uint32: fc.integer({ min: 0, max: 0xffffffff }),
  float32: fc.float({ noNaN: true }),
  int64: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
  uint64: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  float64: fc.double({ noNaN: true }),
};

describe('codec', () => {
  it('gives every type its register width', () => {
    expect(MODBUS_TYPES.map((t) => registerWidth(t))).toEqual([1, 1, 1, 2, 2, 2, 4, 4, 4, 1]);
    expect(registerWidth('string', { length: 6 })).toBe(6);
  });

  for (const order of WORD_ORDERS) {
    for (const [type, arb] of Object.entries(arbitrary)) {
      it(`round-trips ${type} in ${order}`, () => {
        fc.assert(
          fc.property(arb, (value) => {
            const regs = encodeToRegisters(value, type as ModbusType, order);
            const back = decodeRaw(regs, 0, type as ModbusType, order);
            expect(back).toBe(typeof value === 'bigint' ? Number(value) : value);
          }),
        );
      });
    }
    it(`round-trips string in ${order}, trimming NUL and space padding`, () => {
      fc.assert(
        fc.property(fc.stringMatching(/^[!-~]{0,10}$/), (s) => {
          const regs = encodeToRegisters(s, 'string', order, { length: 5 });
          expect(decodeRaw(regs, 0, 'string', order, { length: 5 })).toBe(s);
        }),
      );
    });
  }

  it('lays out 0x01020304 as the four orders define', () => {
    expect([...encodeToRegisters(0x01020304, 'uint32', 'ABCD')]).toEqual([0x0102, 0x0304]);
    expect([...encodeToRegisters(0x01020304, 'uint32', 'CDAB')]).toEqual([0x0304, 0x0102]);
    expect([...encodeToRegisters(0x01020304, 'uint32', 'BADC')]).toEqual([0x0201, 0x0403]);
    expect([...encodeToRegisters(0x01020304, 'uint32', 'DCBA')]).toEqual([0x0403, 0x0201]);
  });

  it('lays out a 64-bit value with all four words reversed for CDAB', () => {
    expect([...encodeToRegisters(0x0102030405060708n, 'uint64', 'ABCD')]).toEqual([0x0102, 0x0304, 0x0506, 0x0708]);
    expect([...encodeToRegisters(0x0102030405060708n, 'uint64', 'CDAB')]).toEqual([0x0708, 0x0506, 0x0304, 0x0102]);
    expect([...encodeToRegisters(0x0102030405060708n, 'uint64', 'BADC')]).toEqual([0x0201, 0x0403, 0x0605, 0x0807]);
    expect([...encodeToRegisters(0x0102030405060708n, 'uint64', 'DCBA')]).toEqual([0x0807, 0x0605, 0x0403, 0x0201]);
  });

  it('decodes float32 1.0 from the registers devices send', () => {
    expect(decodeRaw([0x3f80, 0x0000], 0, 'float32', 'ABCD')).toBe(1);
    expect(decodeRaw([0x0000, 0x3f80], 0, 'float32', 'CDAB')).toBe(1);
    expect(decodeRaw([0x803f, 0x0000], 0, 'float32', 'BADC')).toBe(1);
    expect(decodeRaw([0x0000, 0x803f], 0, 'float32', 'DCBA')).toBe(1);
  });

  it('byte-swaps single registers only for BADC and DCBA', () => {
    expect(decodeRaw([0xfffe], 0, 'int16', 'ABCD')).toBe(-2);
    expect(decodeRaw([0xfffe], 0, 'int16', 'CDAB')).toBe(-2);
    expect(decodeRaw([0xfeff], 0, 'int16', 'BADC')).toBe(-2);
    expect(decodeRaw([0x3412], 0, 'uint16', 'DCBA')).toBe(0x1234);
  });

  it('reads strings two chars per register, high byte first', () => {
    expect(decodeRaw([0x5055, 0x4d50, 0x2d31, 0x2000], 0, 'string', 'ABCD', { length: 4 })).toBe('PUMP-1');
    expect(decodeRaw([0x5550, 0x504d], 0, 'string', 'BADC', { length: 2 })).toBe('PUMP');
  });

  it('reads and sets a bit of a register and a coil bit', () => {
    expect(decodeRaw([0x8020], 0, 'bool', 'ABCD', { bit: 5 })).toBe(true);
    expect(decodeRaw([0x8020], 0, 'bool', 'ABCD', { bit: 4 })).toBe(false);
    expect(decodeRaw([0, 1], 1, 'bool', 'ABCD')).toBe(true);
    const regs = new Uint16Array([0x8020]);
    encodeRaw(false, regs, 0, 'bool', 'ABCD', { bit: 15 });
    encodeRaw(true, regs, 0, 'bool', 'ABCD', { bit: 0 });
    expect(regs[0]).toBe(0x0021);
  });

  it('applies scale and offset on decode and undoes them on encode', () => {
    expect(decode([250], 0, 'int16', 'ABCD', {}, 0.1, -5)).toBeCloseTo(20, 10);
    const regs = new Uint16Array(1);
    encode(20, regs, 0, 'int16', 'ABCD', {}, 0.1, -5);
    expect(regs[0]).toBe(250);
  });

  it('decodes at an offset inside a larger block', () => {
    const block = new Uint16Array(10);
    encodeRaw(-1.5, block, 6, 'float32', 'CDAB');
    expect(decodeRaw(block, 6, 'float32', 'CDAB')).toBe(-1.5);
  });

  it('rejects values that do not fit, naming the type and range', () => {
    expect(() => encodeToRegisters(70000, 'uint16', 'ABCD')).toThrow('uint16 value 70000 is not a whole number in 0..65535');
    expect(() => encodeToRegisters(1.5, 'int32', 'ABCD')).toThrow('int32 value 1.5');
    expect(() => encodeToRegisters(-1n, 'uint64', 'ABCD')).toThrow('uint64 value -1 is out of range');
    expect(() => encodeToRegisters('too long', 'string', 'ABCD', { length: 2 })).toThrow('has 8 chars, 2 register(s) hold 4');
    expect(() => encodeToRegisters('x', 'float32', 'ABCD')).toThrow('float32 expects a number');
  });

  it('rejects a block too short for the type', () => {
    expect(() => decodeRaw([1, 2, 3], 1, 'float64', 'ABCD')).toThrow('float64 needs 4 register(s) at offset 1, but only 3 were given');
  });
});
