/** gateway.sample.yaml is the documentation users copy: it must load and mention every option. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/config/load.ts';
import { GatewayConfig } from '../../gateway/config/schema.ts';
import { packageRoot } from '../../gateway/core/package-root.ts';

const samplePath = join(packageRoot, 'gateway.sample.yaml');
const sampleText = readFileSync(samplePath, 'utf8');

type Node = TSchema & { properties?: Record<string, Node>; items?: Node; anyOf?: Node[] };

/** Every field name anywhere in the schema. */
function fieldNames(schema: Node, out = new Set<string>()): Set<string> {
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    out.add(name);
    fieldNames(field, out);
  }
  if (schema.items) fieldNames(schema.items, out);
  for (const branch of schema.anyOf ?? []) fieldNames(branch, out);
  return out;
}

describe('gateway.sample.yaml', () => {
  it('loads, with both outputs configured', () => {
    const config = loadConfig(samplePath, {});
    expect(config.tsdb?.url).toBe('http://127.0.0.1:8086/telltale');
    expect(config.uplink?.topicPrefix).toBe('telltale');
  });

  it('mentions every option of the schema', () => {
    const missing = [...fieldNames(GatewayConfig as Node)].filter((name) => !new RegExp(`^\\s*(#\\s*)?(- )?${name}:`, 'm').test(sampleText));
    expect(missing).toEqual([]);
  });
});
