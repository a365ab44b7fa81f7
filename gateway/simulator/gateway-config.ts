/** The gateway configuration that reads the simulator, generated from its register map so no one hand-writes it. */
import type { WordOrder } from '../acquisition/modbus/codec.ts';
import type { ModbusTcpDevice } from '../acquisition/modbus/config.ts';
import type { OpcUaDevice } from '../acquisition/opcua/config.ts';
import type { DeviceConfig, GatewayConfig } from '../config/schema.ts';
import type { RegisterMap, TagOptions } from './register-map.ts';
import type { Plant } from './plant/types.ts';

export interface GatewayConfigOptions extends TagOptions {
  /** Device id (default `plant`; the OPC UA device gets `-opcua` appended). */
  deviceId?: string;
  pollIntervalMs?: number;
  /** Which servers to read: Modbus (default) and/or OPC UA (only when the simulator serves it). */
  protocols?: readonly ('modbus' | 'opcua')[];
}

export interface SimulatorEndpoints {
  host: string;
  modbusPort: number;
  unitId: number;
  order: WordOrder;
  opcuaEndpoint?: string;
}

export function simulatorDevices(plant: Plant, map: RegisterMap, at: SimulatorEndpoints, opts: GatewayConfigOptions = {}): DeviceConfig[] {
  const id = opts.deviceId ?? 'plant';
  const pollIntervalMs = opts.pollIntervalMs ?? 1000;
  const protocols = opts.protocols ?? ['modbus'];
  const devices: DeviceConfig[] = [];
  if (protocols.includes('modbus')) {
    const modbus: ModbusTcpDevice = {
      protocol: 'modbus-tcp', id, asset: plant.assets[0], host: at.host, port: at.modbusPort, unitId: at.unitId,
      timeoutMs: 1000, retries: 1, pollIntervalMs, order: at.order, maxGap: 16, maxRegistersPerRead: 125, maxBitsPerRead: 2000,
      backoff: { initialMs: 500, maxMs: 30_000 }, tags: map.tags(opts),
    };
    devices.push(modbus);
  }
  if (protocols.includes('opcua')) {
    if (at.opcuaEndpoint === undefined) throw new Error('gatewayConfig: OPC UA requested but the simulator serves no OPC UA endpoint (started without opcua)');
    const opcua: OpcUaDevice = {
      protocol: 'opcua', id: `${id}-opcua`, asset: plant.assets[0], endpoint: at.opcuaEndpoint, securityMode: 'None', securityPolicy: 'None',
      samplingIntervalMs: pollIntervalMs, publishingIntervalMs: pollIntervalMs, backoff: { initialMs: 1000, maxMs: 30_000 },
      tags: plant.assets.flatMap((asset) => plant.signals.map((s) => ({
        name: s.name, asset, nodeId: `ns=1;s=${asset}.${s.name}`, scale: 1, offset: 0, ...(s.unit !== undefined ? { unit: s.unit } : {}),
      }))),
    };
    devices.push(opcua);
  }
  return devices;
}

/**
 * A complete GatewayConfig (every default spelled out) with the simulator's devices. One protocol only: the
 * gateway refuses the same tag of an asset from two devices, and both servers carry the same signals.
 */
export function simulatorGatewayConfig(plant: Plant, map: RegisterMap, at: SimulatorEndpoints, opts: GatewayConfigOptions = {}): GatewayConfig {
  if ((opts.protocols?.length ?? 1) !== 1) {
    throw new Error(`gatewayConfig: protocols must name exactly one of modbus, opcua (got ${JSON.stringify(opts.protocols)}); both serve the same tags, which one config cannot hold twice`);
  }
  return {
    gateway: { id: 'telltale-1', site: 'simulated-plant', dataDir: './data', healthIntervalS: 10 },
    api: { host: '127.0.0.1', port: 8080 },
    editor: { enabled: true, host: '127.0.0.1', port: 1880 },
    buses: [],
    devices: simulatorDevices(plant, map, at, opts),
  };
}
