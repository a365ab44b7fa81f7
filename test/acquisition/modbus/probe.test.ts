import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkProbeOptions, parseModbusUrl, probeModbus, type ModbusProbeOptions } from '../../../gateway/acquisition/modbus/probe.ts';
import { buildProgram } from '../../../gateway/cli/main.ts';
import { RegisterBank, startModbusTcpServer, type ModbusServer } from '../../../gateway/simulator/modbus-server/index.ts';

const base: ModbusProbeOptions = { address: 0, count: 1, type: 'uint16', order: 'ABCD', function: 3, timeoutMs: 1000 };

async function probe(url: string, o: Partial<ModbusProbeOptions>): Promise<string[]> {
  const lines: string[] = [];
  await probeModbus(url, { ...base, ...o }, (l) => lines.push(l));
  return lines;
}

/** Runs `telltale probe …` in-process and returns what it printed and the exit code it set. */
async function cli(...args: string[]): Promise<{ out: string; err: string; code: number | undefined }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await (await buildProgram()).exitOverride().parseAsync(['node', 'telltale', 'probe', ...args]);
    return { out, err, code: process.exitCode as number | undefined };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = before;
  }
}

describe('telltale probe (Modbus)', () => {
  const bank = new RegisterBank();
  let server: ModbusServer;
  let url: string;
  beforeAll(async () => {
    bank.write('holding', 0, 'float32', 'CDAB', 3.5);
    bank.write('holding', 2, 'float32', 'CDAB', -1.25);
    bank.write('input', 10, 'uint16', 'ABCD', 0xbeef);
    bank.write('holding', 40, 'string', 'ABCD', 'PUMP-7', { length: 4 });
    bank.write('holding', 50, 'uint16', 'ABCD', 0x0004);
    bank.set('coil', 0, [1, 0, 1]);
    for (let i = 0; i < 300; i++) bank.holding[1000 + i] = i;
    server = await startModbusTcpServer({ port: 0, units: new Map([[1, bank]]) });
    url = `modbus://127.0.0.1:${server.port}?unit=1`;
  });
  afterAll(async () => { await server?.close(); });

  it('prints address, raw hex registers and the decoded value', async () => {
    const { out, code } = await cli(url, '--address', '0', '--count', '2', '--type', 'float32', '--order', 'CDAB');
    expect(code).toBeUndefined();
    expect(out.split('\n')).toEqual([
      `127.0.0.1:${server.port} unit 1 · holding (FC3) · 2 × float32 CDAB`,
      'address  raw            value',
      '0        0x0000 0x4060  3.5',
      '2        0x0000 0xbfa0  -1.25',
      '',
    ]);
  });

  it('reads input registers, coils, strings and register bits', async () => {
    expect((await probe(url, { function: 4, address: 10 }))[2]).toBe('10       0xbeef  48879');
    expect((await probe(url, { function: 1, type: 'bool', count: 3 })).slice(2)).toEqual(['0        1    true', '1        0    false', '2        1    true']);
    expect((await probe(url, { type: 'string', length: 4, address: 40 }))[2]).toBe('40       0x5055 0x4d50 0x2d37 0x0000  "PUMP-7"');
    expect((await probe(url, { type: 'bool', bit: 2, address: 50 }))[2]).toMatch(/^50 +0x0004 +true$/);
  });

  it('splits a count beyond 125 registers into several requests', async () => {
    const before = server.stats.byFunction[3] ?? 0;
    const lines = await probe(url, { address: 1000, count: 100, type: 'uint32' });
    expect(lines).toHaveLength(102);
    expect((server.stats.byFunction[3] ?? 0) - before).toBe(2);
    expect(lines.at(-1)).toBe(`1198     0x00c6 0x00c7  ${(198 << 16) + 199}`);
  });

  it('reports a range past the end and a silent unit, exiting 1', async () => {
    const past = await cli(url, '--address', '65535', '--count', '1', '--type', 'float32');
    expect(past).toMatchObject({ code: 1, err: 'probe: 1 × float32 from 65535 runs past address 65535\n', out: '' });
    const silent = await cli(`modbus://127.0.0.1:${server.port}?unit=9`, '--timeout', '200');
    expect(silent).toMatchObject({ code: 1, err: 'probe: timeout after 200 ms reading holding 0+1 from unit 9\n' });
  });

  it('answers exception responses from the device precisely', async () => {
    const other = await startModbusTcpServer({ port: 0, units: () => undefined, unknownUnit: 'exception' });
    await expect(probe(`modbus://127.0.0.1:${other.port}?unit=4`, {})).rejects.toThrow(
      'probe: Modbus exception 11 (Gateway target device failed to respond) reading holding 0+1 from unit 4',
    );
    await other.close();
  });

  it('says when nothing listens', async () => {
    await expect(probe('modbus://127.0.0.1:1?unit=1', {})).rejects.toThrow(/^probe: cannot connect to 127\.0\.0\.1:1 unit 1: /);
  });

  it('rejects bad URLs and option mixes with the reason', () => {
    expect(() => parseModbusUrl('http://x')).toThrow('probe: unsupported scheme "http:" (expected modbus://, modbus-rtu:// or opc.tcp://)');
    expect(() => parseModbusUrl('modbus://h?unit=300')).toThrow('probe: unit: expected a whole number in 0..255, got "300"');
    expect(() => parseModbusUrl('modbus-rtu:///dev/ttyUSB0?parity=mark')).toThrow('probe: parity: expected one of none, even, odd, got "mark"');
    expect(parseModbusUrl('modbus-rtu:///dev/ttyUSB0?baud=9600&parity=none&unit=3').label).toBe('/dev/ttyUSB0 9600 baud none unit 3');
    expect(() => checkProbeOptions({ ...base, function: 1, type: 'int16' })).toThrow('probe: --function 1 reads single bits, so --type must be bool (got int16)');
    expect(() => checkProbeOptions({ ...base, type: 'bool' })).toThrow('probe: --type bool on registers needs --bit 0..15');
  });

  it('has --help with examples', async () => {
    const probeCmd = (await buildProgram()).commands.find((c) => c.name() === 'probe')!;
    let help = '';
    probeCmd.configureOutput({ writeOut: (s) => { help += s; } });
    probeCmd.outputHelp();
    expect(help).toContain('--count <n>');
    expect(help).toContain('telltale probe modbus://192.168.1.20:502?unit=1 --address 0 --count 10 --type float32 --order CDAB');
  });
});
