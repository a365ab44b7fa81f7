/** Response schemas of the API routes; the same TypeBox schema types the handler's reply. */
import { Type, type Static } from '@sinclair/typebox';

export const DeviceHealth = Type.Object(
  {
    id: Type.String(),
    protocol: Type.Union([Type.Literal('modbus-tcp'), Type.Literal('modbus-rtu'), Type.Literal('opcua')]),
    connected: Type.Boolean(),
    state: Type.Union(['connecting', 'connected', 'backoff', 'disconnected', 'stopped'].map((s) => Type.Literal(s))),
    samples: Type.Integer({ minimum: 0, description: 'Values read so far (good or bad)' }),
    errors: Type.Integer({ minimum: 0 }),
    lastError: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type DeviceHealth = Static<typeof DeviceHealth>;

const DeviceCounts = Type.Object(
  { total: Type.Integer({ minimum: 0 }), connected: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false, description: 'How many acquisition devices there are and how many are connected' },
);

/** A store of the gateway's outputs: disk-full (or failing) while it cannot write; what waits in memory meanwhile. */
const StoreHealth = Type.Object(
  {
    name: Type.Union([Type.Literal('outbox'), Type.Literal('tsdb_queue')]),
    state: Type.Union([Type.Literal('ok'), Type.Literal('disk-full'), Type.Literal('failing')]),
    memory: Type.Integer({ minimum: 0, description: 'Messages (outbox) or points (tsdb_queue) waiting in memory' }),
    pendingDeletes: Type.Integer({ minimum: 0, description: 'Sent messages / written batches whose delete is retried' }),
  },
  { additionalProperties: false },
);

export const HealthReply = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('stopping')]),
    uptimeS: Type.Number({ minimum: 0 }),
    devices: DeviceCounts,
    components: Type.Optional(Type.Array(StoreHealth, { description: 'The stores of the outputs the gateway runs (uplink outbox, InfluxDB disk queue)' })),
    detail: Type.Optional(Type.Object(
      { devices: Type.Array(DeviceHealth) },
      { additionalProperties: false, description: 'Only with a valid bearer token: every device with its counters and last error (credentials masked)' },
    )),
  },
  { additionalProperties: false, description: 'Without a token only status, uptime and counts: no device ids, addresses or error texts' },
);
export type HealthReply = Static<typeof HealthReply>;

export const ErrorReply = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String(),
  reason: Type.Optional(Type.String({ description: 'Machine-readable detail, e.g. why a model bundle was refused' })),
});

const Check = Type.Object(
  {
    name: Type.Union(['devices', 'influxdb', 'broker', 'models', 'gateway'].map((n) => Type.Literal(n))),
    ok: Type.Boolean(),
    total: Type.Optional(Type.Integer({ minimum: 0, description: 'devices: how many there are' })),
    connected: Type.Optional(Type.Integer({ minimum: 0, description: 'devices: how many are connected' })),
    queued: Type.Optional(Type.Integer({ minimum: 0, description: 'influxdb: points queued; broker: messages in the outbox' })),
    detail: Type.Optional(Type.String({ description: 'Only with a valid bearer token: what is down or active (device ids, last error, model id; credentials masked)' })),
  },
  { additionalProperties: false },
);
export const ReadyReply = Type.Object(
  { ready: Type.Boolean(), checks: Type.Array(Check, { description: 'devices, influxdb, broker, models: only what this gateway runs (gateway: while stopping)' }) },
  { additionalProperties: false },
);
export type ReadyReply = Static<typeof ReadyReply>;

export const DeviceInfo = Type.Object(
  {
    id: Type.String(),
    protocol: DeviceHealth.properties.protocol,
    state: DeviceHealth.properties.state,
    connected: Type.Boolean(),
    samples: Type.Integer({ minimum: 0 }),
    errors: Type.Integer({ minimum: 0 }),
    reconnects: Type.Integer({ minimum: 0 }),
    requests: Type.Integer({ minimum: 0 }),
    lastSampleTs: Type.Optional(Type.Number()),
    lastError: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export const DevicesReply = Type.Object({ devices: Type.Array(DeviceInfo) }, { additionalProperties: false });
export type DevicesReply = Static<typeof DevicesReply>;

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_.:-]+$' }) }, { additionalProperties: false });
export type IdParams = Static<typeof IdParams>;

export const AssetReply = Type.Object(
  {
    asset: Type.String(),
    ts: Type.Number({ description: 'ms since the epoch of the latest update' }),
    features: Type.Record(Type.String(), Type.Number()),
    score: Type.Optional(Type.Number()),
    threshold: Type.Optional(Type.Number()),
    state: Type.Union(['normal', 'alert', 'learning', 'unknown'].map((s) => Type.Literal(s))),
    modelId: Type.Optional(Type.String()),
    openAlerts: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type AssetReply = Static<typeof AssetReply>;

export const AlertsQuery = Type.Object(
  {
    state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closed'), Type.Literal('all')], { default: 'all' })),
    asset: Type.Optional(Type.String({ minLength: 1 })),
    severity: Type.Optional(Type.String({ minLength: 1 })),
    since: Type.Optional(Type.Integer({ minimum: 0, description: 'only alerts changed at or after this time (ms since the epoch)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
export type AlertsQuery = Static<typeof AlertsQuery>;

const Alert = Type.Object(
  {
    id: Type.String(), asset: Type.String(), ts: Type.Number(), updatedTs: Type.Number(), open: Type.Boolean(), severity: Type.String(),
    score: Type.Optional(Type.Number()), message: Type.Optional(Type.String()), closedTs: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
export const AlertsReply = Type.Object({ alerts: Type.Array(Alert) }, { additionalProperties: false });
export type AlertsReply = Static<typeof AlertsReply>;

export const ModelVersionInfo = Type.Object(
  {
    id: Type.String(), name: Type.String(), version: Type.String(),
    family: Type.Union([Type.Literal('pca'), Type.Literal('ae'), Type.Literal('iforest'), Type.Literal('knn')]),
    created: Type.String(), inputs: Type.Array(Type.String()), threshold: Type.Number(), active: Type.Boolean(), shadow: Type.Boolean(),
  },
  { additionalProperties: false },
);
const Shadow = Type.Object({ modelId: Type.String(), rows: Type.Integer(), agreed: Type.Integer(), agreement: Type.Number() }, { additionalProperties: false });
export const ModelsReply = Type.Object(
  { active: Type.Union([Type.String(), Type.Null()]), shadow: Type.Optional(Shadow), models: Type.Array(ModelVersionInfo) },
  { additionalProperties: false },
);
export type ModelsReply = Static<typeof ModelsReply>;

export const UploadBody = Type.Object(
  {
    files: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }), Type.String({ contentEncoding: 'base64', minLength: 1 }), {
      description: 'The bundle files by name (the *.manifest.json and the files it lists), base64',
      minProperties: 1,
      maxProperties: 8,
    }),
    activate: Type.Optional(Type.Boolean({ default: false, description: 'activate it once installed' })),
  },
  { additionalProperties: false },
);
export type UploadBody = Static<typeof UploadBody>;

export const ActivateBody = Type.Object(
  {
    shadowRows: Type.Optional(Type.Integer({ minimum: 1, description: 'score with both models for this many rows before promoting' })),
    minAgreement: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.95, description: 'share of rows whose alarm decisions agree, needed to promote' })),
  },
  { additionalProperties: false },
);
export type ActivateBody = Static<typeof ActivateBody>;

export const ModelChangeReply = Type.Object(
  { id: Type.String(), active: Type.Union([Type.String(), Type.Null()]), shadow: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
export type ModelChangeReply = Static<typeof ModelChangeReply>;
