import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BEGIN_MARKER, END_MARKER, configReference, spliceReference } from '../../gateway/config/reference.ts';
import { packageRoot } from '../../gateway/core/package-root.ts';

const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');

describe('configReference', () => {
  it('is up to date in README.md (run npm run docs:config after changing a schema)', () => {
    expect(readme).toContain(BEGIN_MARKER);
    expect(spliceReference(readme)).toBe(readme);
  });

  it('documents every device protocol, both tag kinds and the environment variables', () => {
    const text = configReference();
    for (const heading of ['`protocol: modbus-tcp`', '`protocol: modbus-rtu`', '`protocol: opcua`', '### Modbus tag', '### OPC UA tag', '### Environment variables']) {
      expect(text).toContain(heading);
    }
    expect(text).toContain('| `TELLTALE_DEVICE_<ID>_PASSWORD` | `devices[].password` | opcua devices |');
    expect(text).toMatch(/\| `port` \| integer from 1 to 65535 \| `502` \|/);
  });

  it('replaces only the text between the markers', () => {
    const spliced = spliceReference(`before\n${BEGIN_MARKER}\nold\n${END_MARKER}\nafter\n`, 'NEW');
    expect(spliced).toBe('before\nNEW\nafter\n');
  });

  it('appends the section when the markers are missing', () => {
    expect(spliceReference('# Title\n', 'NEW')).toBe('# Title\n\nNEW\n');
  });
});
