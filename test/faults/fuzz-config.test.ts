import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { ConfigError, parseConfig } from '../../gateway/config/load.ts';

const sample = readFileSync(new URL('../../gateway.sample.yaml', import.meta.url), 'utf8');

/** parseConfig must return a config or throw a ConfigError that names the file; nothing else. */
function onlyConfigErrors(text: string): void {
  try {
    parseConfig(text, 'fuzz.yaml', {});
  } catch (e) {
    if (!(e instanceof ConfigError)) throw new Error(`not a ConfigError for ${JSON.stringify(text.slice(0, 200))}: ${(e as Error)?.stack ?? String(e)}`);
    expect(e.message).toContain('fuzz.yaml');
  }
}

describe('config loader (fuzz)', () => {
  it('turns any text into a config or a ConfigError naming the file', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), onlyConfigErrors), { numRuns: 1500 });
  });

  it('turns YAML-ish text built from YAML tokens into a config or a ConfigError', () => {
    const token = fc.constantFrom('devices:', 'gateway:', '- ', '  ', '\n', ':', 'id: a', 'protocol: modbus-tcp', 'tags:', '&x', '*x', '<<: *x', '{', '}', '[', ']', '"', "'", '#', '0x10', '-1', '1e400', 'null', '~', '!!binary', '!!str', '? ', '|', '>', 'port: 70000', 'type: float32', 'address: 1');
    fc.assert(fc.property(fc.array(token, { maxLength: 60 }), (parts) => onlyConfigErrors(parts.join(''))), { numRuns: 1500 });
  });

  it('turns the shipped sample with a span deleted, duplicated or replaced into a config or a ConfigError', () => {
    fc.assert(fc.property(fc.nat(sample.length), fc.nat(80), fc.string({ maxLength: 20 }), fc.constantFrom('delete', 'duplicate', 'replace'), (at, len, junk, how) => {
      const span = sample.slice(at, at + len);
      const text = how === 'delete' ? sample.slice(0, at) + sample.slice(at + len)
        : how === 'duplicate' ? sample.slice(0, at) + span + span + sample.slice(at + len)
          : sample.slice(0, at) + junk + sample.slice(at + len);
      onlyConfigErrors(text);
    }), { numRuns: 800 });
  });
});
