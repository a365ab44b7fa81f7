/** Configuration of the MQTT 5 cloud uplink. Secrets and the broker URL may come from the environment. */
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const UplinkConfig = Type.Object(
  {
    url: Type.String({ minLength: 1, description: 'mqtt://, mqtts://, ws:// or wss:// broker URL; TELLTALE_MQTT_URL overrides' }),
    clientId: Type.Optional(Type.String({ minLength: 1, description: 'Default telltale-<site>-<gateway>' })),
    username: Type.Optional(Type.String({ description: 'TELLTALE_MQTT_USERNAME overrides' })),
    password: Type.Optional(Type.String({ description: 'TELLTALE_MQTT_PASSWORD overrides' })),
    tls: Type.Object(
      {
        ca: Type.Optional(Type.String({ description: 'PEM file of the CA that signed the broker certificate' })),
        cert: Type.Optional(Type.String({ description: 'PEM client certificate (mutual TLS)' })),
        key: Type.Optional(Type.String({ description: 'PEM client key' })),
        rejectUnauthorized: Type.Boolean({ default: true }),
      },
      { additionalProperties: false, default: {} },
    ),
    topicPrefix: Type.String({ minLength: 1, default: 'telltale', description: 'Topics are <prefix>/<site>/<gateway>/{alerts,summaries,status}' }),
    keepaliveS: Type.Integer({ minimum: 0, default: 30 }),
    reconnectPeriodMs: Type.Integer({ minimum: 100, default: 1000, description: 'MQTT.js reconnect period' }),
    connectTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
    inflightWindow: Type.Integer({ minimum: 1, maximum: 1000, default: 32, description: 'Unacknowledged QoS 1 publishes at a time' }),
    summaryPeriodMs: Type.Integer({ minimum: 100, default: 300_000, description: 'Per-asset summary period' }),
    outbox: Type.Object(
      {
        path: Type.Optional(Type.String({ description: 'SQLite file; default <dataDir>/queues/outbox.sqlite' })),
        maxMessages: Type.Integer({ minimum: 10, default: 100_000, description: 'Bound; when full old summaries are merged, alerts are never dropped' }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);
export type UplinkConfig = Static<typeof UplinkConfig>;

/** Fills defaults, applies the environment, validates; errors name the field (`uplink.inflightWindow: …`). */
export function resolveUplinkConfig(input: unknown, where = 'uplink', env: NodeJS.ProcessEnv = process.env): UplinkConfig {
  const value = Value.Default(UplinkConfig, Value.Clone(input ?? {})) as Record<string, unknown>;
  if (env.TELLTALE_MQTT_URL) value.url = env.TELLTALE_MQTT_URL;
  if (env.TELLTALE_MQTT_USERNAME) value.username = env.TELLTALE_MQTT_USERNAME;
  if (env.TELLTALE_MQTT_PASSWORD) value.password = env.TELLTALE_MQTT_PASSWORD;
  const first = Value.Errors(UplinkConfig, value).First();
  if (first) throw new Error(`${where}${first.path.replace(/\//g, '.') || ''}: ${first.message}`);
  const url = value.url as string;
  if (!/^(mqtts?|wss?|tcp|ssl):\/\//.test(url)) throw new Error(`${where}.url: expected mqtt://, mqtts://, ws:// or wss://, got "${url}"`);
  return Object.freeze(value as UplinkConfig);
}

export interface TlsMaterial { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean }

/** Reads the PEM files named in the config; the error names the field and the file. */
export function loadTls(tls: UplinkConfig['tls'], where = 'uplink.tls'): TlsMaterial {
  const read = (field: 'ca' | 'cert' | 'key') => {
    const path = tls[field];
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`${where}.${field}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const ca = read('ca');
  const cert = read('cert');
  const key = read('key');
  if ((cert === undefined) !== (key === undefined)) throw new Error(`${where}: cert and key must be given together`);
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), rejectUnauthorized: tls.rejectUnauthorized };
}
