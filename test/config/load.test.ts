import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, validateConfig, validateDevice } from '../../gateway/config/load.ts';
import { packageRoot } from '../../gateway/core/package-root.ts';

const sample = join(packageRoot, 'gateway.sample.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'telltale-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const minimal = {
  devices: [
    { id: 'pump-1', protocol: 'modbus-tcp', host: '127.0.0.1', tags: [{ name: 'speed', address: 0 }] },
    { id: 'plc.2', protocol: 'opcua', endpoint: 'opc.tcp://127.0.0.1:4840', tags: [{ name: 'flow', nodeId: 'ns=1;s=flow' }] },
  ],
};

function problemsOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('loads the shipped sample with every protocol', () => {
    const config = loadConfig(sample, {});
    expect(config.devices.map((d) => d.protocol)).toEqual(['modbus-tcp', 'modbus-rtu', 'opcua']);
    expect(config.buses[0].id).toBe('rs485-1');
    const opcua = config.devices[2];
    expect(opcua.protocol === 'opcua' && opcua.securityMode).toBe('SignAndEncrypt');
  });

  it('fills in defaults', () => {
    const config = validateConfig(minimal);
    expect(config.api.port).toBe(8080);
    expect(config.editor.port).toBe(1880);
    expect(config.gateway.dataDir).toBe('./data');
    const modbus = config.devices[0];
    if (modbus.protocol !== 'modbus-tcp') throw new Error('expected modbus-tcp first');
    expect(modbus.port).toBe(502);
    expect(modbus.backoff).toEqual({ initialMs: 500, maxMs: 30_000 });
    expect(modbus.tags[0]).toMatchObject({ table: 'holding', type: 'uint16', scale: 1, offset: 0 });
  });

  it('returns a deep-frozen result', () => {
    const config = loadConfig(sample, {});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.devices[0].tags[0])).toBe(true);
    expect(() => {
      (config.api as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('leaves the caller’s object untouched', () => {
    const input = structuredClone(minimal);
    validateConfig(input);
    expect(input).toEqual(minimal);
    expect(Object.isFrozen(input)).toBe(false);
  });

  it('applies environment overrides for ports, data dir, endpoints and secrets', () => {
    const config = loadConfig(sample, {
      TELLTALE_API_PORT: '9090',
      TELLTALE_EDITOR_PORT: '0',
      TELLTALE_DATA_DIR: '/var/lib/telltale',
      TELLTALE_DEVICE_PUMP_1_HOST: '10.0.0.5',
      TELLTALE_DEVICE_PUMP_1_PORT: '1502',
      TELLTALE_DEVICE_PLC_2_ENDPOINT: 'opc.tcp://10.0.0.6:4840',
      TELLTALE_DEVICE_PLC_2_USERNAME: 'operator',
      TELLTALE_DEVICE_PLC_2_PASSWORD: 's3cret',
    });
    expect(config.api.port).toBe(9090);
    expect(config.editor.port).toBe(0);
    expect(config.gateway.dataDir).toBe('/var/lib/telltale');
    expect(config.devices[0]).toMatchObject({ host: '10.0.0.5', port: 1502 });
    expect(config.devices[2]).toMatchObject({ endpoint: 'opc.tcp://10.0.0.6:4840', username: 'operator', password: 's3cret' });
  });

  it('overrides InfluxDB and MQTT endpoints and secrets only where those sections are configured', () => {
    const env = {
      TELLTALE_INFLUX_URL: 'http://influx:8086/plant',
      TELLTALE_INFLUX_PASSWORD: 'influx-pw',
      TELLTALE_MQTT_URL: 'mqtts://broker:8883',
      TELLTALE_MQTT_USERNAME: 'gw',
      TELLTALE_MQTT_PASSWORD: 'mqtt-pw',
    };
    const withOutputs = validateConfig({ ...minimal, tsdb: {}, uplink: { url: 'mqtt://localhost' } }, { env });
    expect(withOutputs.tsdb).toMatchObject({ url: 'http://influx:8086/plant', password: 'influx-pw', batchSize: 5000 });
    expect(withOutputs.uplink).toMatchObject({ url: 'mqtts://broker:8883', username: 'gw', password: 'mqtt-pw' });
    const without = validateConfig(minimal, { env });
    expect(without.tsdb).toBeUndefined();
    expect(without.uplink).toBeUndefined();
  });

  it('treats a variable set to the empty string as unset (a compose file passes ${VAR:-})', () => {
    const config = validateConfig({ ...minimal, uplink: { url: 'mqtt://localhost' } }, { env: { TELLTALE_MQTT_URL: '', TELLTALE_API_PORT: '', TELLTALE_DEVICE_PUMP_1_HOST: '' } });
    expect(config.uplink?.url).toBe('mqtt://localhost');
    expect(config.devices[0]).not.toMatchObject({ host: '' });
    expect(config.api.port).toBeGreaterThan(0);
  });

  it('maps device ids with punctuation to upper-case env names', () => {
    const config = validateConfig(minimal, { env: { TELLTALE_DEVICE_PLC_2_PASSWORD: 'pw', TELLTALE_DEVICE_PLC_2_USERNAME: 'u' } });
    expect(config.devices[1]).toMatchObject({ id: 'plc.2', password: 'pw' });
  });

  it('ignores the environment in validateConfig unless given one', () => {
    const before = process.env.TELLTALE_API_PORT;
    process.env.TELLTALE_API_PORT = '1234';
    try {
      expect(validateConfig(minimal).api.port).toBe(8080);
      expect(parseConfig('devices: []', 'inline.yaml').api.port).toBe(1234); // parseConfig defaults to process.env
    } finally {
      if (before === undefined) delete process.env.TELLTALE_API_PORT;
      else process.env.TELLTALE_API_PORT = before;
    }
  });

  it('names the file when it cannot be read', () => {
    const missing = join(tmp, 'nope.yaml');
    const err = problemsOf(() => loadConfig(missing, {}));
    expect(err.message).toBe(`${missing}: cannot read the config file: no such file`);
  });

  it('gives the line and column of a YAML syntax error in problems', () => {
    const file = join(tmp, 'broken.yaml');
    writeFileSync(file, 'api:\n  port: [8080\n');
    const err = problemsOf(() => loadConfig(file, {}));
    expect(err.problems[0]).toMatchObject({ path: '', line: expect.any(Number), column: expect.any(Number) });
    expect(err.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: YAML syntax error: `));
  });

  it('lets devices share settings through anchors, merge keys and ignored top-level x- keys', () => {
    const text = [
      'x-pump: &pump { protocol: modbus-tcp, port: 5020, pollIntervalMs: 500, tags: [{ name: speed, address: 0 }] }',
      'devices:',
      '  - { <<: *pump, id: pump-1, host: 10.0.0.1 }',
      '  - { <<: *pump, id: pump-2, host: 10.0.0.2, port: 502 }',
    ].join('\n');
    const shared = parseConfig(text, 'merge.yaml', {});
    expect(Object.keys(shared)).not.toContain('x-pump');
    expect(shared.devices.map((d) => d.protocol === 'modbus-tcp' && d.port)).toEqual([5020, 502]);
    const inline = [
      'devices:',
      '  - &pump { protocol: modbus-tcp, id: pump-1, host: 10.0.0.1, port: 5020, pollIntervalMs: 500, tags: [{ name: speed, address: 0 }] }',
      '  - { <<: *pump, id: pump-2, host: 10.0.0.2, port: 502 }',
    ].join('\n');
    const config = parseConfig(inline, 'merge.yaml', {});
    expect(config.devices[1]).toMatchObject({ id: 'pump-2', host: '10.0.0.2', port: 502, pollIntervalMs: 500 });
    expect(config.devices[1].tags).toEqual(config.devices[0].tags);
  });

  it('rejects an alias bomb instead of expanding it', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    const err = problemsOf(() => parseConfig(levels.join('\n'), 'bomb.yaml', {}));
    expect(err.message).toMatch(/^bomb\.yaml: YAML error: .*alias/i);
  });

  it('reports every problem with a path and message', () => {
    const err = problemsOf(() => validateConfig({ api: { port: -1 }, devices: [{ id: 'x', protocol: 'opcua' }] }, { source: 'inline' }));
    expect(err.problems).toEqual([
      { path: 'api.port', message: 'expected integer ≥ 0 (got -1)' },
      { path: 'devices[0].endpoint', message: 'required field missing (expected an opc.tcp:// URL)' },
      { path: 'devices[0].tags', message: 'required field missing (expected a list)' },
    ]);
    expect(err.message.split('\n')[0]).toBe('inline: api.port: expected integer ≥ 0 (got -1)');
  });
});

describe('validateDevice', () => {
  it('validates one device with defaults, frozen', () => {
    const device = validateDevice({ id: 'pump-1', protocol: 'modbus-tcp', host: 'h', tags: [{ name: 't', address: 3, type: 'float32' }] });
    expect(device).toMatchObject({ port: 502, order: 'ABCD' });
    expect(Object.isFrozen(device)).toBe(true);
  });

  it('names the node in its messages', () => {
    const err = problemsOf(() => validateDevice({ id: 'x', protocol: 'modbus-tcp', host: 'h', tags: [{ name: 't', address: 0, type: 'string' }] }, { source: 'modbus-device "pump"', at: 'device' }));
    expect(err.message).toBe('modbus-device "pump": device.tags[0].length: required for type string (number of registers, 2 characters each)');
  });
});
