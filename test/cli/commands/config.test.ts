import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { packageRoot } from '../../../gateway/core/package-root.ts';
import { runInProcess } from '../run-in-process.ts';

const sample = join(packageRoot, 'gateway.sample.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'telltale-cli-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.TELLTALE_DEVICE_PLC_2_PASSWORD;
});

describe('telltale config check', () => {
  it('prints the device and tag count of a valid file', async () => {
    const run = await runInProcess(['config', 'check', '--config', sample]);
    expect(run).toMatchObject({ out: 'ok: 3 devices, 9 tags\n', err: '', code: 0 });
  });

  it('prints every error and exits with 2', async () => {
    const file = join(tmp, 'bad.yaml');
    writeFileSync(file, 'devices:\n  - id: pump-1\n    protocol: modbus-tcp\n    host: h\n    port: 70000\n    tags: [{ name: s, address: 0, type: float }]\n');
    const run = await runInProcess(['config', 'check', '-c', file]);
    expect(run.code).toBe(2);
    expect(run.out).toBe('');
    expect(run.err).toBe(
      `${file}: devices[0].tags[0].type: expected one of bool, int16, uint16, int32, uint32, float32, int64, uint64, float64, string (got "float")\n` +
        `${file}: devices[0].port: expected integer ≤ 65535 (got 70000)\n`,
    );
  });

  it('warns, naming the device but never the password, about an OPC UA login over securityMode None, and exits 0', async () => {
    const file = join(tmp, 'plain-login.yaml');
    writeFileSync(file, 'devices:\n  - id: plc-9\n    protocol: opcua\n    endpoint: opc.tcp://10.0.0.9:4840\n    username: op\n    password: plain-pw-123\n    tags: [{ name: t, nodeId: "ns=1;s=t" }]\n');
    const run = await runInProcess(['config', 'check', '-c', file]);
    expect(run.code).toBe(0);
    expect(run.out).toBe('ok: 1 device, 1 tag\n');
    expect(run.err).toBe(`${file}: devices[0]: warning: OPC UA device plc-9: user "op" logs in with a password over securityMode None; use securityMode Sign or SignAndEncrypt so the password is not readable on the network\n`);
    expect(run.err).not.toContain('plain-pw-123');
  });

  it('never quotes a password or URL credentials back in an error', async () => {
    const file = join(tmp, 'bad-secret.yaml');
    writeFileSync(file, 'tsdb:\n  url: 42\n  password: [cfg-err-pw-1]\nuplink:\n  url: "http://up:cfg-err-pw-2@broker"\n  password: 12345678\n');
    const run = await runInProcess(['config', 'check', '-c', file]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/tsdb\.password/);
    expect(run.err).toMatch(/uplink\.password/);
    expect(run.err).not.toMatch(/cfg-err-pw|12345678/);
  });

  it('exits with 2 when the file is missing', async () => {
    const run = await runInProcess(['config', 'check', '-c', join(tmp, 'absent.yaml')]);
    expect(run.code).toBe(2);
    expect(run.err).toContain('absent.yaml: cannot read the config file: no such file');
  });
});

describe('telltale config print', () => {
  it('prints normalised YAML with the defaults filled in', async () => {
    const run = await runInProcess(['config', 'print', '--config', sample]);
    expect(run.code).toBe(0);
    const printed = parse(run.out);
    expect(printed.devices[1]).toMatchObject({ id: 'tt-7', protocol: 'modbus-rtu', order: 'ABCD', retries: 1, backoff: { initialMs: 500, maxMs: 30000 } });
    expect(printed.devices[0].tags[0]).toMatchObject({ scale: 1, offset: 0 });
  });

  it('redacts passwords unless asked', async () => {
    const withUplink = join(tmp, 'uplink.yaml');
    writeFileSync(withUplink, 'uplink:\n  url: mqtt://localhost\n  password: mqtt-secret\n');
    const uplink = await runInProcess(['config', 'print', '--config', withUplink]);
    expect(parse(uplink.out).uplink.password).toBe('***');
    process.env.TELLTALE_DEVICE_PLC_2_PASSWORD = 'hunter2';
    const redacted = await runInProcess(['config', 'print', '--config', sample]);
    expect(redacted.out).not.toContain('hunter2');
    expect(parse(redacted.out).devices[2].password).toBe('***');
    delete process.env.TELLTALE_DEVICE_PLC_2_PASSWORD; // names a device urls.yaml does not have
    const urls = join(tmp, 'urls.yaml');
    writeFileSync(urls, 'tsdb:\n  url: http://influx-user:influx-url-pw@db:8086/plant?p=influx-q-pw\nuplink:\n  url: mqtts://mq-user:mqtt-url-pw@broker:8883\n');
    const masked = await runInProcess(['config', 'print', '--config', urls]);
    expect(masked.code).toBe(0);
    expect(masked.out).not.toMatch(/url-pw|q-pw|influx-user|mq-user/);
    expect(parse(masked.out).tsdb.url).toBe('http://***@db:8086/plant?p=***');
    expect(parse(masked.out).uplink.url).toBe('mqtts://***@broker:8883');
    expect(parse((await runInProcess(['config', 'print', '--config', urls, '--show-secrets'])).out).uplink.url).toBe('mqtts://mq-user:mqtt-url-pw@broker:8883');
    process.env.TELLTALE_DEVICE_PLC_2_PASSWORD = 'hunter2';
    const shown = await runInProcess(['config', 'print', '--config', sample, '--show-secrets']);
    expect(parse(shown.out).devices[2].password).toBe('hunter2');
  });
});
