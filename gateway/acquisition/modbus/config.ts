/** Schema of a Modbus device (TCP or RTU) and its tags. The loader validates it once at start-up. */
import { Type, type Static } from '@sinclair/typebox';

export const MODBUS_TYPES = ['bool', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'int64', 'uint64', 'float64', 'string'] as const;
export const WORD_ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;
export const MODBUS_TABLES = ['coil', 'discrete', 'holding', 'input'] as const;

export const ModbusTag = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'Tag name, unique per asset (e.g. vibration_rms)' }),
    asset: Type.Optional(Type.String({ minLength: 1, description: 'Asset the tag belongs to; defaults to the device asset' })),
    table: Type.Union(MODBUS_TABLES.map((t) => Type.Literal(t)), { default: 'holding', description: 'coil (FC1), discrete (FC2), holding (FC3), input (FC4)' }),
    address: Type.Integer({ minimum: 0, maximum: 65535, description: 'Zero-based register or bit address' }),
    type: Type.Union(MODBUS_TYPES.map((t) => Type.Literal(t)), { default: 'uint16', description: 'Value type; bool is a coil/discrete bit or a register bit; the others honour order' }),
    order: Type.Optional(Type.Union(WORD_ORDERS.map((t) => Type.Literal(t)), { description: 'Byte/word order for multi-register types; defaults to the device order' })),
    bit: Type.Optional(Type.Integer({ minimum: 0, maximum: 15, description: 'For bool in a holding/input register: the bit (0 = LSB)' })),
    length: Type.Optional(Type.Integer({ minimum: 1, maximum: 125, description: 'For string: number of registers (2 chars each)' })),
    scale: Type.Number({ default: 1, description: 'value = raw × scale + offset' }),
    offset: Type.Number({ default: 0, description: 'Added after scaling' }),
    unit: Type.Optional(Type.String({ description: 'Engineering unit, e.g. mm/s, bar, degC' })),
    pollIntervalMs: Type.Optional(Type.Integer({ minimum: 10, description: 'Overrides the device poll interval' })),
  },
  { additionalProperties: false },
);
export type ModbusTag = Static<typeof ModbusTag>;

const common = {
  id: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.-]+$', description: 'Unique device id; environment overrides use TELLTALE_DEVICE_<ID>_…' }),
  asset: Type.Optional(Type.String({ minLength: 1, description: 'Default asset of the tags; defaults to the device id' })),
  unitId: Type.Integer({ minimum: 0, maximum: 255, default: 1, description: 'Modbus unit (slave) id' }),
  timeoutMs: Type.Integer({ minimum: 10, default: 1000, description: 'How long to wait for each answer' }),
  retries: Type.Integer({ minimum: 0, maximum: 10, default: 1, description: 'Retries of a failed request before its tags go bad' }),
  pollIntervalMs: Type.Integer({ minimum: 10, default: 1000, description: 'How often the tags are read; a tag may override it' }),
  order: Type.Union(WORD_ORDERS.map((t) => Type.Literal(t)), { default: 'ABCD', description: 'Default byte/word order of multi-register values (ABCD = big-endian, the Modbus standard)' }),
  maxGap: Type.Integer({ minimum: 0, maximum: 124, default: 16, description: 'Largest run of unused registers/bits a coalesced read may span' }),
  maxRegistersPerRead: Type.Integer({ minimum: 1, maximum: 125, default: 125, description: 'Largest register read (FC3/FC4); 125 is the protocol maximum' }),
  maxBitsPerRead: Type.Integer({ minimum: 1, maximum: 2000, default: 2000, description: 'Largest bit read (FC1/FC2); 2000 is the protocol maximum' }),
  backoff: Type.Object(
    {
      initialMs: Type.Integer({ minimum: 10, default: 500, description: 'First reconnect delay; grows with jitter up to maxMs' }),
      maxMs: Type.Integer({ minimum: 10, default: 30_000, description: 'Longest reconnect delay' }),
    },
    { additionalProperties: false, default: {} },
  ),
  tags: Type.Array(ModbusTag, { minItems: 1, description: 'The values to read' }),
};

export const ModbusTcpDevice = Type.Object(
  {
    protocol: Type.Literal('modbus-tcp'),
    ...common,
    host: Type.String({ minLength: 1, description: 'Host name or IP address (env TELLTALE_DEVICE_<ID>_HOST)' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 502, description: 'TCP port (env TELLTALE_DEVICE_<ID>_PORT)' }),
  },
  { additionalProperties: false },
);
export type ModbusTcpDevice = Static<typeof ModbusTcpDevice>;

export const ModbusRtuDevice = Type.Object(
  {
    protocol: Type.Literal('modbus-rtu'),
    ...common,
    bus: Type.String({ minLength: 1, description: 'id of a serial bus in buses[]' }),
  },
  { additionalProperties: false },
);
export type ModbusRtuDevice = Static<typeof ModbusRtuDevice>;

/** A serial line shared by several RTU slaves: one request at a time on the wire. */
export const SerialBus = Type.Object(
  {
    id: Type.String({ minLength: 1, description: "Referenced by a modbus-rtu device's bus" }),
    path: Type.String({ minLength: 1, description: 'e.g. /dev/ttyUSB0' }),
    baudRate: Type.Integer({ minimum: 300, default: 19200, description: 'Line speed in bit/s' }),
    dataBits: Type.Union([Type.Literal(7), Type.Literal(8)], { default: 8 }),
    stopBits: Type.Union([Type.Literal(1), Type.Literal(2)], { default: 1 }),
    parity: Type.Union([Type.Literal('none'), Type.Literal('even'), Type.Literal('odd')], { default: 'even', description: 'Modbus RTU specifies even parity' }),
  },
  { additionalProperties: false },
);
export type SerialBus = Static<typeof SerialBus>;
