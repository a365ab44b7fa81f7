/** Configuration of the InfluxDB 1.x (tsdb) output. */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const TsdbConfig = Type.Object(
  {
    url: Type.String({ minLength: 1, description: 'http://host:8086 or http://host:8086/<database>', default: 'http://127.0.0.1:8086' }),
    database: Type.Optional(Type.String({ minLength: 1, description: 'Database; default the URL path, else "telltale"' })),
    username: Type.Optional(Type.String({ description: 'Overridden by TELLTALE_INFLUX_USERNAME' })),
    password: Type.Optional(Type.String({ description: 'Overridden by TELLTALE_INFLUX_PASSWORD' })),
    batchSize: Type.Integer({ minimum: 1, default: 5000, description: 'Points per write' }),
    flushIntervalMs: Type.Integer({ minimum: 10, default: 1000, description: 'Longest a point waits in memory' }),
    requestTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
    retention: Type.Object(
      {
        raw: Type.String({ pattern: '^[0-9]+[hdw]$', default: '7d', description: 'samples, features, scores, health' }),
        summaries: Type.String({ pattern: '^[0-9]+[hdw]$', default: '365d', description: 'alerts and the continuous-query downsamples' }),
        summaryInterval: Type.String({ pattern: '^[0-9]+[smhd]$', default: '1m', description: 'GROUP BY time() of the downsampling queries' }),
      },
      { additionalProperties: false, default: {} },
    ),
    queue: Type.Object(
      {
        path: Type.Optional(Type.String({ description: 'SQLite file; default <dataDir>/queues/influx.sqlite' })),
        // Counts stored values (fields), not points; the name dates from when every value was its own point.
        maxPoints: Type.Integer({ minimum: 100, default: 5_000_000, description: 'Bound of the disk queue in stored values (see README: drop policy)' }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);
export type TsdbConfig = Static<typeof TsdbConfig>;

export interface InfluxEndpoint { host: string; port: number; protocol: 'http' | 'https'; database: string; username?: string; password?: string }

/** Splits `http://host:8086/db` into the parts the influx client wants; the env overrides credentials. */
export function parseInfluxUrl(url: string, database?: string, env: NodeJS.ProcessEnv = process.env): InfluxEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`influx url: expected http(s)://host:port[/database], got "${url}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`influx url: expected http or https, got "${u.protocol}" in "${url}"`);
  const protocol = u.protocol === 'https:' ? 'https' : 'http';
  const fromPath = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, ''));
  // A variable set to '' counts as unset (compose passes ${VAR:-}), as everywhere in the configuration.
  const username = (env.TELLTALE_INFLUX_USERNAME || undefined) ?? (u.username ? decodeURIComponent(u.username) : undefined);
  const password = (env.TELLTALE_INFLUX_PASSWORD || undefined) ?? (u.password ? decodeURIComponent(u.password) : undefined);
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : protocol === 'https' ? 443 : 8086,
    protocol,
    database: database ?? (fromPath || 'telltale'),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

/** Fills defaults and validates; the error names the field (`tsdb.queue.maxPoints: Expected integer`). */
export function resolveTsdbConfig(input: unknown, where = 'tsdb'): TsdbConfig {
  const value = Value.Default(TsdbConfig, Value.Clone(input ?? {}));
  const first = Value.Errors(TsdbConfig, value).First();
  if (first) throw new Error(`${where}${first.path.replace(/\//g, '.')}: ${first.message}`);
  return Object.freeze(value as TsdbConfig);
}
