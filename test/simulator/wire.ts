/** A modbus-serial client on a simulator and typed reads of its map, shared by the simulator tests. */
import { ModbusClient } from '../../gateway/acquisition/modbus/client.ts';
import { decodeRaw, type WordOrder } from '../../gateway/acquisition/modbus/codec.ts';

export async function connectClient(port: number, unitId = 1): Promise<ModbusClient> {
  const client = new ModbusClient();
  await client.connectTCP('127.0.0.1', { port });
  client.setID(unitId);
  client.setTimeout(2000);
  return client;
}

export async function closeClient(client: ModbusClient): Promise<void> {
  await new Promise<void>((r) => client.close(() => r()));
}

/** `count` float32 values from holding registers starting at `address`. */
export async function readFloats(client: ModbusClient, address: number, count: number, order: WordOrder = 'ABCD'): Promise<number[]> {
  const { data } = await client.readHoldingRegisters(address, count * 2);
  return Array.from({ length: count }, (_, k) => decodeRaw(data, 2 * k, 'float32', order) as number);
}
