import { describe, expect, it } from 'vitest';
import { modbusDeviceConfig } from '../../nodes/modbus-device/device-config.ts';
import { opcUaEndpointConfig } from '../../nodes/opcua-endpoint/opcua-endpoint.ts';
import { modbusReadGroup } from '../../nodes/modbus-read/group.ts';

describe('modbusDeviceConfig', () => {
  it('turns TCP editor fields (strings from the form) into a core config with defaults', () => {
    const { device, bus } = modbusDeviceConfig('plc', { id: 'n1', type: 'modbus-device', transport: 'tcp', host: '10.0.0.5', port: '5020', unitId: '3', timeoutMs: '', order: 'CDAB' });
    expect(bus).toBeUndefined();
    expect(device).toMatchObject({ protocol: 'modbus-tcp', id: 'plc', host: '10.0.0.5', port: 5020, unitId: 3, timeoutMs: 1000, order: 'CDAB', tags: [] });
  });

  it('builds the serial bus of an RTU device', () => {
    const { device, bus } = modbusDeviceConfig('slave-7', { id: 'n1', type: 'modbus-device', transport: 'rtu', serialPath: '/dev/ttyUSB0', baudRate: '9600', parity: 'none', unitId: 7 });
    expect(bus).toEqual({ id: 'slave-7-bus', path: '/dev/ttyUSB0', baudRate: 9600, dataBits: 8, stopBits: 1, parity: 'none' });
    expect(device).toMatchObject({ protocol: 'modbus-rtu', bus: 'slave-7-bus', unitId: 7 });
  });

  it('names the node and the field of a bad value', () => {
    expect(() => modbusDeviceConfig('plc', { id: 'n1', type: 'modbus-device', name: 'plc', transport: 'tcp', host: 'h', port: 502, unitId: 300 }))
      .toThrow(/modbus-device "plc": unitId: expected integer ≤ 255/);
    expect(() => modbusDeviceConfig('plc', { id: 'n1', type: 'modbus-device', transport: 'rtu' })).toThrow(/serial port path is required/);
  });
});

describe('opcUaEndpointConfig', () => {
  it('takes username and password from the credentials only', () => {
    const cfg = opcUaEndpointConfig('ua', { id: 'n2', type: 'opcua-endpoint', endpoint: 'opc.tcp://h:4840', securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256' }, { username: 'op', password: 'pw' });
    expect(cfg).toMatchObject({ id: 'ua', securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', username: 'op', password: 'pw', tags: [] });
  });

  it('refuses an endpoint that is not opc.tcp://', () => {
    expect(() => opcUaEndpointConfig('ua', { id: 'n2', type: 'opcua-endpoint', name: 'ua', endpoint: 'http://h' })).toThrow(/opcua-endpoint "ua": endpoint/);
  });
});

describe('modbusReadGroup', () => {
  const def = { id: 'r', type: 'modbus-read', name: 'pump-1 read', asset: 'pump-1', intervalMs: 250 };
  it('converts numeric text fields and drops empty optional ones', () => {
    const g = modbusReadGroup('r', { ...def, tags: [{ name: 'a', table: 'input', address: '7', type: 'int32', order: '', bit: '', length: '', scale: '0.5', offset: '', unit: 'bar' }] }, 'plc');
    expect(g).toEqual({ id: 'r', asset: 'pump-1', intervalMs: 250, tags: [{ name: 'a', table: 'input', address: 7, type: 'int32', scale: 0.5, offset: 0, unit: 'bar' }] });
  });

  it('names node, field and expectation for a bad group', () => {
    expect(() => modbusReadGroup('r', { ...def, asset: ' ', tags: [{ name: 'a', address: 0 }] }, 'plc')).toThrow('modbus-read "pump-1 read": asset: required');
    expect(() => modbusReadGroup('r', { ...def, intervalMs: 5, tags: [{ name: 'a', address: 0 }] }, 'plc')).toThrow(/interval: expected an integer ≥ 10 ms \(got 5\)/);
    expect(() => modbusReadGroup('r', { ...def, tags: [] }, 'plc')).toThrow(/tags: add at least one tag/);
    expect(() => modbusReadGroup('r', { ...def, tags: [{ name: 'a', address: 'x' }] }, 'plc')).toThrow(/tags\[0\]\.address/);
  });
});
