/** The configuration as canonical YAML: keys in schema order, defaults spelled out, passwords masked. */
import type { TSchema } from '@sinclair/typebox';
import { stringify } from 'yaml';
import { isPlainObject } from './errors.ts';
import { GatewayConfig } from './schema.ts';

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

/** Every `password` field, in whatever section, masked: secrets never leave the process in clear text. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'password' && v !== undefined ? '***' : redactSecrets(v)]));
}

export function printConfig(config: GatewayConfig, options: { showSecrets?: boolean } = {}): string {
  const ordered = inSchemaOrder(config, GatewayConfig as Node);
  return stringify(options.showSecrets ? ordered : redactSecrets(ordered), { lineWidth: 0 });
}
