/** The gateway's YAML configuration: one schema composed from the components' own schemas. */
import { Type, type Static } from '@sinclair/typebox';
import { ModbusRtuDevice, ModbusTcpDevice, SerialBus } from '../acquisition/modbus/config.ts';
import { OpcUaDevice } from '../acquisition/opcua/config.ts';

export const DeviceConfig = Type.Union([ModbusTcpDevice, ModbusRtuDevice, OpcUaDevice]);
export type DeviceConfig = Static<typeof DeviceConfig>;

export const GatewayConfig = Type.Object(
  {
    gateway: Type.Object(
      {
        id: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.-]+$', default: 'telltale-1' }),
        site: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.-]+$', default: 'site' }),
        dataDir: Type.String({ minLength: 1, default: './data', description: 'Node-RED user dir, flows, queues and models live here' }),
      },
      { additionalProperties: false, default: {} },
    ),
    api: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
      },
      { additionalProperties: false, default: {} },
    ),
    editor: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 1880 }),
        flowFile: Type.Optional(Type.String({ description: 'Flows file; default <dataDir>/flows.json, seeded with the default flow' })),
      },
      { additionalProperties: false, default: {} },
    ),
    buses: Type.Array(SerialBus, { default: [] }),
    devices: Type.Array(DeviceConfig, { default: [] }),
  },
  { additionalProperties: false },
);
export type GatewayConfig = Static<typeof GatewayConfig>;
