import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load.ts';
import { packageRoot } from '../../../gateway/core/package-root.ts';

describe('gateway/acquisition/opcua/sample.yaml', () => {
  it('loads as a gateway config with its OPC UA device and tags', () => {
    const path = join(packageRoot, 'gateway/acquisition/opcua/sample.yaml');
    const text = readFileSync(path, 'utf8');
    const config = parseConfig(text, path, {});
    const [device] = config.devices;
    expect(device).toMatchObject({ protocol: 'opcua', id: 'plc-2', securityMode: 'SignAndEncrypt' });
    expect(device.tags.map((t) => t.name)).toEqual(parse(text).devices[0].tags.map((t: { name: string }) => t.name));
  });
});
