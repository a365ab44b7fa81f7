import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import modbusDevice from '../../nodes/modbus-device/modbus-device.ts';
import modbusRead from '../../nodes/modbus-read/modbus-read.ts';
import { ModbusDevice } from '../../gateway/acquisition/modbus/index.ts';
import { validateDevice } from '../../gateway/config/load.ts';
import type { ModbusTcpDevice } from '../../gateway/acquisition/modbus/config.ts';
import { RegisterBank, startModbusTcpServer, type ModbusServer } from '../../gateway/simulator/modbus-server/index.ts';
import { freePort } from '../support/ports.ts';
import { waitFor } from '../support/process.ts';
import { errorsOf, helper, initHelper, nextMessage } from './helper.ts';

describe('modbus-read', () => {
  const { registry } = initHelper();
  const bank = new RegisterBank();
  bank.write('holding', 0, 'float32', 'CDAB', 2.5);
  bank.write('input', 10, 'int16', 'ABCD', -120);
  bank.write('coil', 3, 'bool', 'ABCD', true);
  let server: ModbusServer;

  const device = (port: number, extra: object = {}) => ({
    id: 'dev', type: 'modbus-device', name: 'station-plc', transport: 'tcp', host: '127.0.0.1', port,
    unitId: 1, timeoutMs: 300, retries: 0, order: 'ABCD', maxGap: 16, ...extra,
  });
  const read = (extra: object = {}) => ({
    id: 'read', type: 'modbus-read', device: 'dev', asset: 'pump-1', intervalMs: 100, wires: [['out']],
    tags: [
      { name: 'vibration_rms', table: 'holding', address: 0, type: 'float32', order: 'CDAB', bit: '', length: '', scale: 1, offset: 0, unit: 'mm/s' },
      { name: 'temperature', table: 'input', address: '10', type: 'int16', order: '', bit: '', length: '', scale: '0.1', offset: 0, unit: 'degC' },
      { name: 'running', table: 'coil', address: 3, type: 'bool', order: '', bit: '', length: '', scale: 1, offset: 0, unit: '' },
    ],
    ...extra,
  });
  const out = { id: 'out', type: 'helper' };

  beforeAll(async () => {
    server = await startModbusTcpServer({ host: '127.0.0.1', port: 0, units: new Map([[1, bank]]) });
    await helper.startServer();
  });
  afterEach(() => helper.unload());
  afterAll(async () => {
    await helper.stopServer();
    await server?.close();
  });

  it('sends one message per poll with the decoded, scaled values', async () => {
    await helper.load([modbusDevice, modbusRead], [device(server.port), read(), out]);
    const msg = await nextMessage(helper.getNode('out'), (m) => m.payload.quality.vibration_rms.status === 'good');
    expect(msg.topic).toBe('pump-1');
    expect(msg.device).toBe('station-plc');
    expect(msg.payload.asset).toBe('pump-1');
    expect(msg.payload.values).toEqual({ vibration_rms: 2.5, temperature: -12, running: true });
    expect(Object.values(msg.payload.quality)).toEqual([{ status: 'good' }, { status: 'good' }, { status: 'good' }]);
    expect(Math.abs(msg.payload.ts - Date.now())).toBeLessThan(60_000);
  });

  it('registers its device, counting samples, and closes its connection when the flow stops', async () => {
    await helper.load([modbusDevice, modbusRead], [device(server.port), read(), out]);
    await waitFor(() => (registry.get('station-plc')?.status().samples ?? 0) >= 3, 20_000, 'samples');
    expect(server.connections()).toBe(1);
    await helper.unload();
    expect(registry.has('station-plc')).toBe(false);
    await waitFor(() => server.connections() === 0, 10_000, 'the connection to close');
  });

  it('reports bad quality and a red status for a slave that does not answer, without crashing', async () => {
    await helper.load([modbusDevice, modbusRead], [device(server.port, { unitId: 9 }), read(), out]);
    const reader = helper.getNode('read');
    const statuses: { fill?: string; shape?: string; text?: string }[] = [];
    reader.on('call:status', (call: { args: [{ fill?: string; shape?: string; text?: string }] }) => statuses.push(call.args[0]));
    // The device is connected (the server accepts TCP); only unit 9 stays silent, so the requests time out.
    const msg = await nextMessage(helper.getNode('out'), (m) => m.payload.quality.vibration_rms.code !== 'disconnected');
    expect(msg.payload.values.vibration_rms).toBeNull();
    expect(msg.payload.quality.vibration_rms).toMatchObject({ status: 'bad', code: 'timeout' });
    await waitFor(() => statuses.some((s) => s.fill === 'red' && s.shape === 'ring'), 20_000, 'a red ring');
  });

  it('reports a dead device (nothing listening) with a red status and an error count', async () => {
    const port = await freePort();
    await helper.load([modbusDevice, modbusRead], [device(port), read(), out]);
    const reader = helper.getNode('read');
    const statuses: { fill?: string; shape?: string }[] = [];
    reader.on('call:status', (call: { args: [{ fill?: string; shape?: string }] }) => statuses.push(call.args[0]));
    await waitFor(() => registry.get('station-plc')?.status().errors, 20_000, 'a connection error');
    await waitFor(() => statuses.some((s) => s.fill === 'red' && s.shape === 'ring'), 20_000, 'a red ring');
    expect(registry.get('station-plc')?.status().connected).toBe(false);
  });

  it('refuses an unknown tag type with a message naming node, tag and field', async () => {
    const tags = [{ name: 'x', table: 'holding', address: 0, type: 'float99' }];
    await helper.load([modbusDevice, modbusRead], [device(server.port), read({ name: 'bad', tags }), out]);
    expect(errorsOf('read').join('\n')).toMatch(/modbus-read "bad": tags\[0\]\.type: expected one of bool, int16/);
  });

  it('refuses a device with an out-of-range port, naming the field', async () => {
    await helper.load([modbusDevice, modbusRead], [device(70000), read(), out]);
    expect(errorsOf('dev')).toEqual([expect.stringMatching(/^modbus-device "station-plc": port: expected integer ≤ 65535/)]);
    expect(errorsOf('read').join('\n')).toMatch(/no working modbus-device/);
  });

  it('adopts a device the gateway already runs: listens to its asset, leaves it running on close', async () => {
    const cfg = validateDevice({
      protocol: 'modbus-tcp', id: 'station-plc', host: '127.0.0.1', port: server.port, pollIntervalMs: 100,
      tags: [{ name: 'vibration_rms', asset: 'pump-1', address: 0, type: 'float32', order: 'CDAB' }, { name: 'flow', asset: 'pump-2', address: 20 }],
    }) as ModbusTcpDevice;
    const running = new ModbusDevice(cfg);
    registry.register(running);
    await running.start();
    try {
      await helper.load([modbusDevice, modbusRead], [device(server.port), read(), out]);
      const msg = await nextMessage(helper.getNode('out'), (m) => m.payload.quality.vibration_rms?.status === 'good');
      expect(msg.payload.values).toEqual({ vibration_rms: 2.5 });
      await helper.unload();
      expect(registry.get('station-plc')).toBe(running);
      expect(running.status().state).not.toBe('stopped');
    } finally {
      registry.unregister('station-plc');
      await running.stop();
    }
  });
});
