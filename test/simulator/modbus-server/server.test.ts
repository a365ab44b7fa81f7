import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { ModbusClient as ModbusRTU } from '../../../gateway/acquisition/modbus/client.ts';
import { RegisterBank, startModbusTcpServer, type ModbusServer } from '../../../gateway/simulator/modbus-server/index.ts';

/** Sends raw bytes and collects `expectBytes` bytes of answer. */
async function exchange(port: number, chunks: Buffer[], expectBytes: number): Promise<Buffer> {
  const sock: Socket = connect({ port, host: '127.0.0.1' });
  await new Promise((r) => sock.once('connect', r));
  const got: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    sock.on('data', (d) => {
      got.push(d);
      const all = Buffer.concat(got);
      if (all.length >= expectBytes) resolve(all);
    });
    sock.once('error', reject);
  });
  for (const c of chunks) {
    sock.write(c);
    await new Promise((r) => setTimeout(r, 20));
  }
  const out = await done;
  sock.destroy();
  return out;
}

const readHolding = (tid: number, unit: number, addr: number, qty: number) =>
  Buffer.from([tid >> 8, tid & 0xff, 0, 0, 0, 6, unit, 3, addr >> 8, addr & 0xff, qty >> 8, qty & 0xff]);

describe('startModbusTcpServer', () => {
  const bank = new RegisterBank();
  let server: ModbusServer;
  let client: ModbusRTU;

  beforeAll(async () => {
    bank.set('holding', 0, [10, 11, 12, 13]);
    bank.set('input', 5, [0xbeef]);
    bank.set('discrete', 0, [1, 0, 1, 1, 0, 0, 0, 0, 1]);
    server = await startModbusTcpServer({ port: 0, units: new Map([[1, bank]]) });
    client = new ModbusRTU();
    await client.connectTCP('127.0.0.1', { port: server.port });
    client.setID(1);
    client.setTimeout(500);
  });
  afterAll(async () => {
    await new Promise<void>((r) => client.close(() => r()));
    await server.close();
  });

  it('answers FC 1, 2, 3 and 4 with the bank contents', async () => {
    expect((await client.readHoldingRegisters(0, 4)).data).toEqual([10, 11, 12, 13]);
    expect((await client.readInputRegisters(5, 1)).data).toEqual([0xbeef]);
    expect((await client.readDiscreteInputs(0, 9)).data.slice(0, 9)).toEqual([true, false, true, true, false, false, false, false, true]);
    bank.coils[100] = 1;
    expect((await client.readCoils(99, 3)).data.slice(0, 3)).toEqual([false, true, false]);
  });

  it('applies FC 5, 6, 15 and 16 writes to the bank', async () => {
    await client.writeCoil(200, true);
    await client.writeCoils(300, [true, false, true, true]);
    await client.writeRegister(400, 0x1234);
    await client.writeRegisters(500, [1, 2, 3]);
    expect(bank.coils[200]).toBe(1);
    expect([...bank.coils.subarray(300, 304)]).toEqual([1, 0, 1, 1]);
    expect(bank.holding[400]).toBe(0x1234);
    expect([...bank.holding.subarray(500, 503)]).toEqual([1, 2, 3]);
  });

  it('answers exception 2 past the end of the table and 3 for too many registers or bits', async () => {
    await expect(client.readHoldingRegisters(65530, 10)).rejects.toMatchObject({ modbusCode: 2 });
    await expect(client.readHoldingRegisters(0, 126)).rejects.toMatchObject({ modbusCode: 3 });
    await expect(client.readCoils(0, 2001)).rejects.toMatchObject({ modbusCode: 3 });
    expect(server.stats.exceptions).toBeGreaterThanOrEqual(3);
  });

  it('answers exception 1 for an unsupported function', async () => {
    const frame = Buffer.from([0, 9, 0, 0, 0, 2, 1, 0x2b]);
    const answer = await exchange(server.port, [frame], 9);
    expect([...answer]).toEqual([0, 9, 0, 0, 0, 3, 1, 0xab, 1]);
  });

  it('reassembles a frame split across packets and answers pipelined frames in order', async () => {
    const a = readHolding(1, 1, 0, 1);
    const b = readHolding(2, 1, 1, 1);
    const c = readHolding(3, 1, 2, 1);
    const stream = Buffer.concat([a, b, c]);
    const answer = await exchange(server.port, [stream.subarray(0, 5), stream.subarray(5, 20), stream.subarray(20)], 33);
    expect(answer.length).toBe(33);
    expect([answer.readUInt16BE(0), answer.readUInt16BE(9)]).toEqual([1, 10]);
    expect([answer.readUInt16BE(11), answer.readUInt16BE(20)]).toEqual([2, 11]);
    expect([answer.readUInt16BE(22), answer.readUInt16BE(31)]).toEqual([3, 12]);
  });

  it('stays silent for an unknown unit by default, like a dead slave behind a gateway', async () => {
    const c2 = new ModbusRTU();
    await c2.connectTCP('127.0.0.1', { port: server.port });
    c2.setID(9);
    c2.setTimeout(200);
    await expect(c2.readHoldingRegisters(0, 1)).rejects.toMatchObject({ errno: 'ETIMEDOUT' });
    await new Promise<void>((r) => c2.close(() => r()));
  });

  it('answers exception 0x0B for an unknown unit when asked to', async () => {
    const other = await startModbusTcpServer({ port: 0, units: () => undefined, unknownUnit: 'exception' });
    const answer = await exchange(other.port, [readHolding(7, 9, 0, 1)], 9);
    expect([...answer]).toEqual([0, 7, 0, 0, 0, 3, 9, 0x83, 0x0b]);
    await other.close();
  });

  it('counts requests per function code', () => {
    expect(server.stats.byFunction[3]).toBeGreaterThan(0);
    expect(server.stats.requests).toBeGreaterThan(10);
  });
});
