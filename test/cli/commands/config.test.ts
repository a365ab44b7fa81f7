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
    const shown = await runInProcess(['config', 'print', '--config', sample, '--show-secrets']);
    expect(parse(shown.out).devices[2].password).toBe('hunter2');
  });
});
