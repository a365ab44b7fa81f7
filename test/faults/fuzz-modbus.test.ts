import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decode, encodeToRegisters, registerWidth } from '../../gateway/acquisition/modbus/codec.ts';
import { MODBUS_TYPES, WORD_ORDERS } from '../../gateway/acquisition/modbus/config.ts';

const type = fc.constantFrom(...MODBUS_TYPES);
const order = fc.constantFrom(...WORD_ORDERS);
// What a device may send: any 16-bit words, of any length, read at any offset (including out of range).
const words = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 12 });

describe('Modbus response decoder (fuzz)', () => {
  it('decodes any register words into a value of the tag type, or throws a RangeError naming the type', () => {
    fc.assert(fc.property(words, fc.integer({ min: -2, max: 14 }), type, order, fc.option(fc.integer({ min: 0, max: 15 }), { nil: undefined }), fc.integer({ min: 1, max: 10 }),
      (regs, at, t, o, bit, length) => {
        const opts = { ...(t === 'bool' && bit !== undefined ? { bit } : {}), ...(t === 'string' ? { length } : {}) };
        let v: unknown;
        try {
          v = decode(regs, at, t, o, opts, 0.5, 3);
        } catch (e) {
          expect(e).toBeInstanceOf(RangeError);
          expect((e as Error).message).toContain(`${t} needs ${registerWidth(t, opts)} register(s) at offset ${at}`);
          return;
        }
        if (t === 'bool') expect(typeof v).toBe('boolean');
        else if (t === 'string') expect(typeof v).toBe('string');
        else expect(typeof v).toBe('number');
      }), { numRuns: 3000 });
  });

  it('reads back what it encoded, for every integer type and order', () => {
    const ints = { int16: [-0x8000, 0x7fff], uint16: [0, 0xffff], int32: [-0x80000000, 0x7fffffff], uint32: [0, 0xffffffff] } as const;
    fc.assert(fc.property(fc.constantFrom(...(Object.keys(ints) as (keyof typeof ints)[])), order, fc.double({ min: 0, max: 1, noNaN: true }), (t, o, f) => {
      const [lo, hi] = ints[t];
      const value = Math.round(lo + f * (hi - lo));
      expect(decode(encodeToRegisters(value, t, o), 0, t, o)).toBe(value);
    }), { numRuns: 1000 });
  });
});
