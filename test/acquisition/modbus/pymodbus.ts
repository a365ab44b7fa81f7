/** Starts Debian's pymodbus server (test/support/pymodbus_server.py) and reads the vectors it seeded. */
import { fileURLToPath } from 'node:url';
import { spawnPeer, waitFor, type Spawned } from '../../support/process.ts';
import { freePort, waitForPort } from '../../support/ports.ts';
import type { ModbusType, WordOrder } from '../../../gateway/acquisition/modbus/codec.ts';

export const PYMODBUS_SCRIPT = fileURLToPath(new URL('../../support/pymodbus_server.py', import.meta.url));

export interface Vector {
  type: ModbusType;
  order: WordOrder;
  address: number;
  length?: number;
  /** As Python printed it: exact for 64-bit integers. */
  expected: string;
  registers: number[];
}

export interface PymodbusPeer {
  peer: Spawned;
  port: number;
  vectors: Vector[];
}

function vectorsOf(output: string): Vector[] {
  const line = output.split('\n').find((l) => l.startsWith('VECTORS '));
  if (!line) throw new Error(`pymodbus printed no VECTORS line:\n${output}`);
  return (JSON.parse(line.slice(8)) as { vectors: Vector[] }).vectors;
}

export async function startPymodbusTcp(units = '1', fixedPort?: number): Promise<PymodbusPeer> {
  const port = fixedPort ?? (await freePort());
  const peer = spawnPeer('/usr/bin/python3', [PYMODBUS_SCRIPT, '--tcp', String(port), '--units', units]);
  await waitFor(() => peer.output().includes('READY') || peer.child.exitCode !== null, 20_000, 'pymodbus READY');
  if (!peer.output().includes('READY')) throw new Error(`pymodbus did not start:\n${peer.output()}`);
  await waitForPort(port);
  return { peer, port, vectors: vectorsOf(peer.output()) };
}

export async function startPymodbusRtu(device: string, units = '1', baud = 19200, parity = 'E'): Promise<PymodbusPeer> {
  const peer = spawnPeer('/usr/bin/python3', [PYMODBUS_SCRIPT, '--rtu', device, '--units', units, '--baud', String(baud), '--parity', parity]);
  await waitFor(() => peer.output().includes('READY') || peer.child.exitCode !== null, 20_000, 'pymodbus RTU READY');
  if (!peer.output().includes('READY')) throw new Error(`pymodbus RTU did not start:\n${peer.output()}`);
  return { peer, port: 0, vectors: vectorsOf(peer.output()) };
}

/** The value a vector should decode to, as the codec returns it (64-bit integers rounded to a double). */
export function expectedValue(v: Vector): number | string {
  if (v.type === 'string') return v.expected;
  if (v.type === 'int64' || v.type === 'uint64') return Number(BigInt(v.expected));
  return Number(v.expected);
}
