import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfig } from '../../gateway/config/load.ts';
import { printConfig, redactSecrets } from '../../gateway/config/print.ts';

const config = validateConfig({
  devices: [
    { tags: [{ address: 0, name: 'speed' }], host: 'h', id: 'pump-1', protocol: 'modbus-tcp' },
    { tags: [{ nodeId: 'ns=1;s=f', name: 'flow' }], username: 'u', password: 'pw', endpoint: 'opc.tcp://h:4840', id: 'plc-2', protocol: 'opcua' },
  ],
  uplink: { password: 'mqtt-pw', url: 'mqtt://broker' },
});

describe('printConfig', () => {
  it('orders keys as the schema lists them, per protocol', () => {
    const printed = parse(printConfig(config));
    expect(Object.keys(printed)).toEqual(['gateway', 'api', 'editor', 'buses', 'devices', 'uplink']);
    expect(Object.keys(printed.devices[0]).slice(0, 3)).toEqual(['protocol', 'id', 'unitId']);
    expect(Object.keys(printed.devices[1]).slice(0, 3)).toEqual(['protocol', 'id', 'endpoint']);
    expect(Object.keys(printed.devices[0].tags[0]).slice(0, 3)).toEqual(['name', 'table', 'address']);
  });

  it('prints every default and reloads to the same config', () => {
    const printed = printConfig(config, { showSecrets: true });
    expect(parse(printed).devices[0]).toMatchObject({ port: 502, retries: 1, backoff: { initialMs: 500, maxMs: 30000 } });
    expect(validateConfig(parse(printed))).toEqual(config);
  });

  it('masks every password unless asked', () => {
    const printed = printConfig(config);
    expect(printed).not.toContain('pw');
    expect(parse(printed).devices[1].password).toBe('***');
    expect(parse(printed).uplink.password).toBe('***');
    expect(redactSecrets({ a: [{ password: 'x', b: 1 }] })).toEqual({ a: [{ password: '***', b: 1 }] });
  });
});
