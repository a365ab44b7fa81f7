/** modbus-device over RTU: a socat pty pair with Debian's pymodbus serial server on the far end. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import modbusDevice from '../../nodes/modbus-device/modbus-device.ts';
import modbusRead from '../../nodes/modbus-read/modbus-read.ts';
import { startPymodbusRtu, type PymodbusPeer } from '../acquisition/modbus/pymodbus.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';
import { helper, initHelper, nextMessage } from './helper.ts';

describe('modbus-device (RTU)', () => {
  const { registry } = initHelper();
  const dir = mkdtempSync(join(tmpdir(), 'telltale-node-rtu-'));
  const [a, b] = [join(dir, 'A'), join(dir, 'B')];
  let socat: Spawned;
  let py: PymodbusPeer;

  beforeAll(async () => {
    socat = spawnPeer('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`]);
    await waitFor(() => existsSync(a) && existsSync(b), 10_000, 'socat pty links');
    // Linux ptys reject parity, so the pair runs 8N1.
    py = await startPymodbusRtu(b, '1', 19200, 'N');
    await helper.startServer();
  });
  afterEach(() => helper.unload());
  afterAll(async () => {
    await helper.stopServer();
    await py?.peer.stop();
    await socat?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a slave on a serial line and reports it as modbus-rtu', async () => {
    await helper.load([modbusDevice, modbusRead], [
      { id: 'dev', type: 'modbus-device', name: 'line-slave', transport: 'rtu', serialPath: a, baudRate: 19200, parity: 'none', dataBits: 8, stopBits: 1, unitId: 1, timeoutMs: 1000, retries: 0, order: 'ABCD', maxGap: 16 },
      { id: 'read', type: 'modbus-read', device: 'dev', asset: 'skid-1', intervalMs: 200, wires: [['out']], tags: [
        { name: 'coil0', table: 'coil', address: 0, type: 'bool' },
        { name: 'in3', table: 'input', address: 3, type: 'uint16' },
      ] },
      { id: 'out', type: 'helper' },
    ]);
    const msg = await nextMessage(helper.getNode('out'), (m) => m.payload.quality.in3?.status === 'good');
    expect(msg.payload.values).toEqual({ coil0: true, in3: 21 });
    expect(registry.get('line-slave')?.status().protocol).toBe('modbus-rtu');
  });
});
