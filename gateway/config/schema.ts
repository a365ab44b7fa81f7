/**
 * The gateway's YAML configuration: one schema composed from the components' own schemas.
 * Descriptions here feed the README's configuration reference (npm run docs:config).
 */
import { Type, type Static } from '@sinclair/typebox';
import { ModbusRtuDevice, ModbusTcpDevice, SerialBus } from '../acquisition/modbus/config.ts';
import { OpcUaDevice } from '../acquisition/opcua/config.ts';
import { TsdbConfig } from '../outputs/influx/config.ts';
import { UplinkConfig } from '../uplink/config.ts';

/** A device is one connection; its `protocol` picks the schema it is checked against. */
export const DeviceConfig = Type.Union([ModbusTcpDevice, ModbusRtuDevice, OpcUaDevice]);
export type DeviceConfig = Static<typeof DeviceConfig>;

const NAME = '^[A-Za-z0-9_.-]+$';

/** A PEM certificate and key for HTTPS. */
const TlsFiles = (what: string) => Type.Object(
  {
    cert: Type.String({ minLength: 1, description: `PEM certificate (chain) file of the ${what}` }),
    key: Type.String({ minLength: 1, description: `PEM private key file of the ${what}` }),
  },
  { additionalProperties: false, description: `Serve the ${what} over HTTPS with this certificate` },
);

/**
 * HTTPS of a server: the operator's files, `auto` (a self-signed certificate kept in <dataDir>/tls), or `false`
 * (plain HTTP, chosen explicitly). Absent: `auto` on a non-loopback address, plain HTTP on loopback
 * (gateway/runtime/tls.ts).
 */
const TlsSetting = (what: string, key: 'api' | 'editor') => Type.Union(
  [TlsFiles(what), Type.Literal('auto'), Type.Literal(false)],
  { description: `HTTPS of the ${what}: {cert, key} PEM files; auto: a self-signed ECDSA certificate generated on the first start into <dataDir>/tls (reused, SHA-256 fingerprint printed at start); false: plain HTTP. Default: auto when ${key}.host is not a loopback address, else plain HTTP` },
);
export type TlsSetting = Static<ReturnType<typeof TlsSetting>>;

export const GatewaySection = Type.Object(
  {
    id: Type.String({ minLength: 1, pattern: NAME, default: 'telltale-1', description: 'Name of this gateway in uplink topics and stored series' }),
    site: Type.String({ minLength: 1, pattern: NAME, default: 'site', description: 'Plant or site the gateway belongs to' }),
    dataDir: Type.String({ minLength: 1, default: './data', description: 'Node-RED user dir, flows, queues and models live here (env TELLTALE_DATA_DIR)' }),
    healthIntervalS: Type.Number({ exclusiveMinimum: 0, default: 10, description: 'Seconds between the gateway\'s own health points (measurement `health`, component `gateway`) when `tsdb` is configured' }),
  },
  { additionalProperties: false, default: {}, description: 'Who this gateway is and where it keeps its files' },
);

export const ApiSection = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', description: 'Interface the HTTP API listens on (0.0.0.0 for all)' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'Port of the HTTP API, /healthz (env TELLTALE_API_PORT; 0 picks a free port)' }),
    tls: Type.Optional(TlsSetting('API', 'api')),
  },
  { additionalProperties: false, default: {}, description: 'The HTTP API (Fastify)' },
);

export const EditorSection = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Serve the Node-RED editor; flows run either way' }),
    host: Type.String({ default: '127.0.0.1', description: 'Interface the editor listens on' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 1880, description: 'Port of the Node-RED editor (env TELLTALE_EDITOR_PORT)' }),
    flowFile: Type.Optional(Type.String({ description: 'Flows file; default <dataDir>/flows.json, seeded with the default flow' })),
    username: Type.Optional(Type.String({ minLength: 1, description: 'Editor login name (env TELLTALE_EDITOR_USER; default admin)' })),
    tls: Type.Optional(TlsSetting('editor', 'editor')),
    passwordHash: Type.Optional(Type.String({ pattern: '^\\$2[aby]\\$\\d{2}\\$[./A-Za-z0-9]{53}$', description: 'bcrypt hash of the editor password (env TELLTALE_EDITOR_PASSWORD_HASH, or TELLTALE_EDITOR_PASSWORD in clear); none: a random one is generated and printed once' })),
  },
  { additionalProperties: false, default: {}, description: 'The embedded Node-RED editor' },
);

export const ModelsSection = Type.Object(
  {
    publicKey: Type.String({ minLength: 1, description: 'PEM file of the Ed25519 public key model bundles must be signed with (env TELLTALE_MODEL_PUBLIC_KEY); the model store and /api/v1/models are on only with one' }),
    shadowRows: Type.Optional(Type.Integer({ minimum: 1, description: 'Score this many rows with both models before promoting an activated version (default: activate at once)' })),
    minAgreement: Type.Number({ minimum: 0, maximum: 1, default: 0.95, description: 'Share of shadow rows on which both models must make the same alarm decision for promotion' }),
  },
  { additionalProperties: false, description: 'Signed model store: versions, activation, shadow, rollback' },
);

export const GatewayConfig = Type.Object(
  {
    gateway: GatewaySection,
    api: ApiSection,
    editor: EditorSection,
    buses: Type.Array(SerialBus, { default: [], description: 'Serial lines (RS-485) shared by modbus-rtu devices' }),
    devices: Type.Array(DeviceConfig, { default: [], description: 'The connections to read: modbus-tcp, modbus-rtu or opcua' }),
    // Optional sections: without them the gateway keeps no local time series / sends nothing to the cloud.
    tsdb: Type.Optional({ ...TsdbConfig, description: 'Local time-series store (InfluxDB 1.x): raw samples, features, scores, alerts' }),
    uplink: Type.Optional({ ...UplinkConfig, description: 'MQTT 5 uplink of alerts and summaries to the cloud, through a durable outbox' }),
    models: Type.Optional(ModelsSection),
  },
  { additionalProperties: false },
);
export type GatewayConfig = Static<typeof GatewayConfig>;
