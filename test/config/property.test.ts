/** Whatever the input, the loader either returns a config or throws a ConfigError — never anything else. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, validateConfig } from '../../gateway/config/load.ts';
import { packageRoot } from '../../gateway/core/package-root.ts';

const sampleText = readFileSync(join(packageRoot, 'gateway.sample.yaml'), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'telltale-config-prop-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs fn; true if it returned or threw a ConfigError with at least one well-formed problem. */
function returnsOrConfigError(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    expect(e.problems.length).toBeGreaterThan(0);
    for (const p of e.problems) expect(typeof p.path === 'string' && p.message.length > 0).toBe(true);
    return true;
  }
}

const word = fc.constantFrom('id', 'protocol', 'host', 'port', 'tags', 'name', 'address', 'type', 'bus', 'table', 'bit', 'length', 'backoff', 'initialMs', 'maxMs', 'endpoint', '__proto__', 'constructor');
const scalar = fc.oneof(fc.constantFrom('modbus-tcp', 'modbus-rtu', 'opcua', 'float32', 'string', 'bool', 'coil', 'holding', 'opc.tcp://h:1', 'rs485-1'), fc.integer({ min: -10, max: 70_000 }), fc.double(), fc.boolean(), fc.constant(null), fc.string());
/** Config-shaped values: devices with likely field names, so the search reaches the cross-field checks. */
const tag = fc.dictionary(word, scalar, { maxKeys: 6 });
const device = fc.record(
  { id: fc.oneof(fc.constantFrom('pump-1', 'pump_1', 'plc.2'), scalar), protocol: scalar, host: scalar, endpoint: scalar, bus: scalar, tags: fc.oneof(fc.array(tag, { maxLength: 4 }), scalar), backoff: fc.oneof(fc.dictionary(word, scalar), scalar) },
  { requiredKeys: [] },
);
const configShaped = fc.record(
  { devices: fc.oneof(fc.array(device, { maxLength: 4 }), scalar), buses: fc.oneof(fc.array(fc.dictionary(word, scalar)), scalar), api: fc.oneof(fc.dictionary(word, scalar), scalar) },
  { requiredKeys: [] },
);
const envVars = fc.dictionary(
  fc.constantFrom('TELLTALE_API_PORT', 'TELLTALE_EDITOR_PORT', 'TELLTALE_DATA_DIR', 'TELLTALE_DEVICE_PUMP_1_HOST', 'TELLTALE_DEVICE_PUMP_1_PORT', 'TELLTALE_DEVICE_PLC_2_PASSWORD', 'TELLTALE_DEVICE_X', 'TELLTALE_DEVICE__PORT'),
  fc.oneof(fc.string(), fc.integer().map(String)),
);

describe('config loader under random input', () => {
  it('validateConfig returns or throws ConfigError for any value', () => {
    fc.assert(fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withBoxedValues: true }), (value) => returnsOrConfigError(() => validateConfig(value))), { numRuns: 300 });
  });

  it('validateConfig returns or throws ConfigError for config-shaped values and any environment', () => {
    fc.assert(fc.property(configShaped, envVars, (value, env) => returnsOrConfigError(() => validateConfig(value, { env }))), { numRuns: 500 });
  });

  it('parseConfig returns or throws ConfigError for any text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => returnsOrConfigError(() => parseConfig(text, 'fuzz.yaml', {}))), { numRuns: 300 });
  });

  it('parseConfig returns or throws ConfigError for the sample with random edits', () => {
    const edit = fc.tuple(fc.nat({ max: sampleText.length }), fc.nat({ max: 40 }), fc.constantFrom('', ' ', '\n', '- ', ': ', '[', '{', '"', '*a', '&a ', '9', '-1', 'x', '\t'));
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let text = sampleText;
        for (const [at, cut, insert] of edits) text = text.slice(0, at) + insert + text.slice(at + cut);
        return returnsOrConfigError(() => parseConfig(text, 'fuzz.yaml', {}));
      }),
      { numRuns: 300 },
    );
  });

  it('loadConfig returns or throws ConfigError for YAML written from random values', () => {
    const file = join(tmp, 'random.yaml');
    fc.assert(
      fc.property(fc.oneof(configShaped, fc.jsonValue()), (value) => {
        writeFileSync(file, JSON.stringify(value) ?? '');
        return returnsOrConfigError(() => loadConfig(file, {}));
      }),
      { numRuns: 100 },
    );
  });

  it('a frozen result comes back when the input is valid', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 0, max: 65534 }), (port, address) => {
        const config = validateConfig({ devices: [{ id: 'd', protocol: 'modbus-tcp', host: 'h', port, tags: [{ name: 't', address }] }] });
        const device = config.devices[0];
        return Object.isFrozen(device) && device.protocol === 'modbus-tcp' && device.tags[0].address === address;
      }),
      { numRuns: 100 },
    );
  });
});
