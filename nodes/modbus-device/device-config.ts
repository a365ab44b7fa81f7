/** Turns the modbus-device editor fields into the core's validated device config (and serial bus, for RTU). */
import type { ModbusRtuDevice, ModbusTcpDevice, SerialBus } from '../../gateway/acquisition/modbus/config.ts';
import { validateDevice } from '../../gateway/config/load.ts';
import type { NodeDef } from '../shared/red.ts';

const num = (v: unknown): number | undefined => (v === '' || v === undefined || v === null ? undefined : Number(v));

/** Editor fields → core config. Throws ConfigError naming the field (e.g. `port: expected integer ≤ 65535`). */
export function modbusDeviceConfig(id: string, def: NodeDef): { device: ModbusTcpDevice | ModbusRtuDevice; bus?: SerialBus } {
  const common = {
    id,
    unitId: num(def.unitId),
    timeoutMs: num(def.timeoutMs),
    retries: num(def.retries),
    order: def.order || undefined,
    maxGap: num(def.maxGap),
    // The core config requires tags; a config node has none of its own — modbus-read nodes add poll groups.
    tags: [{ name: '_placeholder', address: 0 }],
  };
  const source = `modbus-device "${def.name || def.id}"`;
  if (def.transport === 'rtu') {
    const bus: SerialBus = {
      id: `${id}-bus`,
      path: String(def.serialPath ?? ''),
      baudRate: num(def.baudRate) ?? 19200,
      dataBits: (num(def.dataBits) ?? 8) as 7 | 8,
      stopBits: (num(def.stopBits) ?? 1) as 1 | 2,
      parity: (def.parity as SerialBus['parity']) || 'even',
    };
    if (!bus.path) throw new Error('serial port path is required for RTU (e.g. /dev/ttyUSB0)');
    const device = validateDevice(strip({ protocol: 'modbus-rtu', bus: bus.id, ...common }), { source, at: '' }) as ModbusRtuDevice;
    return { device: { ...device, tags: [] }, bus };
  }
  const device = validateDevice(strip({ protocol: 'modbus-tcp', host: def.host, port: num(def.port), ...common }), { source, at: '' }) as ModbusTcpDevice;
  return { device: { ...device, tags: [] } };
}

/** Drops unset fields so the schema's defaults apply. */
function strip(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
