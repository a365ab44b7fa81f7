/** The configuration as canonical YAML: keys in schema order, defaults spelled out, secrets masked. */
import type { TSchema } from '@sinclair/typebox';
import { stringify } from 'yaml';
import { isPlainObject } from './errors.ts';
import { redactSecrets } from './redact.ts';
import { GatewayConfig } from './schema.ts';

export { redactSecrets } from './redact.ts';

type Node = TSchema & { properties?: Record<string, Node>; items?: Node; anyOf?: Node[] };

/** The object schema that describes `value` (a union's branch is picked by its `protocol`). */
function branchFor(schema: Node | undefined, value: Record<string, unknown>): Node | undefined {
  if (!schema?.anyOf) return schema;
  return schema.anyOf.find((b) => b.properties?.protocol?.const === value.protocol);
}

/** Copies value with its keys in the order the schema lists them (unknown keys, if any, last). */
export function inSchemaOrder(value: unknown, schema: Node | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => inSchemaOrder(v, schema?.items));
  if (!isPlainObject(value)) return value;
  const s = branchFor(schema, value);
  const keys = [...Object.keys(s?.properties ?? {}).filter((k) => k in value), ...Object.keys(value).filter((k) => !(k in (s?.properties ?? {})))];
  return Object.fromEntries(keys.map((k) => [k, inSchemaOrder(value[k], s?.properties?.[k])]));
}

/**
 * Masked unless showSecrets: every password (and passwordHash) field, the user-info of every URL (tsdb.url,
 * uplink.url, an OPC UA endpoint) and secret query parameters (`?password=`, `token=`, InfluxDB's `p=`).
 */
export function printConfig(config: GatewayConfig, options: { showSecrets?: boolean } = {}): string {
  const ordered = inSchemaOrder(config, GatewayConfig as Node);
  return stringify(options.showSecrets ? ordered : redactSecrets(ordered), { lineWidth: 0 });
}
