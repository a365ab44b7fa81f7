import { describe, expect, it } from 'vitest';
import { RegisterBank } from '../../../gateway/simulator/modbus-server/register-bank.ts';

describe('RegisterBank', () => {
  it('writes typed values through the codec and reads them back', () => {
    const bank = new RegisterBank();
    bank.write('holding', 10, 'float32', 'CDAB', 2.5);
    bank.write('input', 0, 'string', 'ABCD', 'P-7', { length: 2 });
    bank.write('holding', 20, 'bool', 'ABCD', true, { bit: 3 });
    bank.write('coil', 5, 'bool', 'ABCD', true);
    expect([...bank.holding.subarray(10, 12)]).toEqual([0x0000, 0x4020]);
    expect(bank.read('holding', 10, 'float32', 'CDAB')).toBe(2.5);
    expect(bank.read('input', 0, 'string', 'ABCD', { length: 2 })).toBe('P-7');
    expect(bank.holding[20]).toBe(8);
    expect(bank.read('coil', 5, 'bool')).toBe(true);
  });

  it('rejects a value that runs past the end of the table', () => {
    const bank = new RegisterBank();
    expect(() => bank.write('holding', 65534, 'float64', 'ABCD', 1)).toThrow('holding 65534: float64 needs 4 address(es) inside 0..65535');
  });

  it('rejects a non-bool type in a bit table', () => {
    const bank = new RegisterBank();
    expect(() => bank.write('coil', 0, 'uint16', 'ABCD', 1)).toThrow('coil 0: a bit table holds only bool, not uint16');
  });
});
