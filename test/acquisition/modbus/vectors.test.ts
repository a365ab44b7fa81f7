/** Known vectors encoded by Python's struct, served by pymodbus and by our server, decoded by the codec. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRaw } from '../../../gateway/acquisition/modbus/codec.ts';
import { ModbusClient } from '../../../gateway/acquisition/modbus/client.ts';
import { RegisterBank, startModbusTcpServer, type ModbusServer } from '../../../gateway/simulator/modbus-server/index.ts';
import { expectedValue, startPymodbusTcp, type PymodbusPeer } from './pymodbus.ts';

async function clientFor(port: number): Promise<ModbusClient> {
  const c = new ModbusClient();
  await c.connectTCP('127.0.0.1', { port });
  c.setID(1);
  c.setTimeout(2000);
  return c;
}

describe('codec against real servers', () => {
  let py: PymodbusPeer;
  let ours: ModbusServer;
  const bank = new RegisterBank();
  let pyClient: ModbusClient;
  let ourClient: ModbusClient;

  beforeAll(async () => {
    py = await startPymodbusTcp();
    for (const v of py.vectors) {
      const value = v.type === 'int64' || v.type === 'uint64' ? BigInt(v.expected) : v.type === 'string' ? v.expected : Number(v.expected);
      bank.write('holding', v.address, v.type, v.order, value, { length: v.length });
    }
    ours = await startModbusTcpServer({ port: 0, units: new Map([[1, bank]]) });
    pyClient = await clientFor(py.port);
    ourClient = await clientFor(ours.port);
  });
  afterAll(async () => {
    await new Promise<void>((r) => pyClient?.close(() => r()));
    await new Promise<void>((r) => ourClient?.close(() => r()));
    await ours?.close();
    await py?.peer.stop();
  });

  it('covers every multi-register type in every order', () => {
    const seen = new Set(py.vectors.map((v) => `${v.type}/${v.order}`));
    expect(seen.size).toBe(9 * 4);
  });

  it('decodes every vector pymodbus serves', async () => {
    for (const v of py.vectors) {
      const { data } = await pyClient.readHoldingRegisters(v.address, v.registers.length);
      expect(data, `${v.type} ${v.order} registers`).toEqual(v.registers);
      expect(decodeRaw(data, 0, v.type, v.order, { length: v.length }), `${v.type} ${v.order}`).toBe(expectedValue(v));
    }
  });

  it('serves from our bank the same registers Python encoded', async () => {
    for (const v of py.vectors) {
      const { data } = await ourClient.readHoldingRegisters(v.address, v.registers.length);
      expect(data, `${v.type} ${v.order}`).toEqual(v.registers);
    }
  });

  it('reads bits of a register and coil/discrete bits from pymodbus', async () => {
    const { data } = await pyClient.readHoldingRegisters(90, 1);
    expect([5, 15, 4].map((bit) => decodeRaw(data, 0, 'bool', 'ABCD', { bit }))).toEqual([true, true, false]);
    expect((await pyClient.readCoils(0, 4)).data.slice(0, 4)).toEqual([true, false, false, true]);
    expect((await pyClient.readDiscreteInputs(0, 3)).data.slice(0, 3)).toEqual([false, true, false]);
  });
});
