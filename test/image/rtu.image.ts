/**
 * Modbus RTU in the container (issue 11), as far as this machine allows: a socat pty pair stands in for an RS-485
 * adapter; Debian's pymodbus serves RTU on one end, the other is passed into the gateway container at /dev/ttyRS485
 * with its group added (`--group-add`), so the image's non-root user (uid 1000) opens it through the serialport
 * binding the image ships for its architecture. A real adapter is passed with `--device` (compose: `devices:`); a pty
 * slave cannot be opened through a device node outside its own devpts (EIO), so the test bind-mounts the pty itself.
 * Checked from inside the container: the RTU device is connected and its values decode as pymodbus seeded them.
 * Needs the image built by gateway.image.ts (telltale:latest; the suite runs files in order).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';
import { startPymodbusRtu, type PymodbusPeer } from '../acquisition/modbus/pymodbus.ts';
import { podman, podmanOk, run, waitForAsync } from './podman.ts';

const GW = `tt${process.pid}-rtu`;
const TOKEN = 'rtu-image-check';
/** The group the pty is given and the container joins: Debian's dialout (gid 20), as for a USB RS-485 adapter. */
const DIALOUT = 20;

describe('Modbus RTU in the container', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-image-rtu-'));
  let socat: Spawned;
  let py: PymodbusPeer;
  let tags: { name: string }[] = [];

  beforeAll(async () => {
    if ((await podman('image', 'exists', 'telltale:latest')).code !== 0) {
      const b = await run('bash', ['scripts/image/build.sh']);
      if (b.code !== 0) throw new Error(`scripts/image/build.sh exited ${b.code}:\n${b.stderr.slice(-3000)}`);
    }
    const a = join(dir, 'A');
    const b = join(dir, 'B');
    socat = spawnPeer('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`]);
    await waitFor(() => existsSync(a) && existsSync(b), 10_000, 'socat pty links');
    py = await startPymodbusRtu(b, '1', 19200, 'N');
    const pty = realpathSync(a);
    chownSync(pty, 0, DIALOUT);
    chmodSync(pty, 0o660);
    tags = py.vectors.filter((v) => ['int16', 'uint16', 'float32', 'int32'].includes(v.type)).map((v) => ({ name: `${v.type}_${v.order}`, address: v.address, type: v.type, order: v.order }));
    writeFileSync(join(dir, 'gateway.yaml'), stringify({
      gateway: { id: 'rtu-gw', dataDir: '/data' },
      api: { host: '127.0.0.1', port: 8080 },
      editor: { enabled: false, port: 0 },
      buses: [{ id: 'rs485', path: '/dev/ttyRS485', baudRate: 19200, dataBits: 8, stopBits: 1, parity: 'none' }],
      devices: [{ protocol: 'modbus-rtu', id: 'meter', asset: 'meter', bus: 'rs485', unitId: 1, pollIntervalMs: 200, timeoutMs: 1000, tags }],
    }));
    await podmanOk('run', '-d', '--name', GW, '--read-only', '-v', `${GW}-data:/data`, '-v', `${pty}:/dev/ttyRS485`, '--group-add', String(DIALOUT),
      '-e', `TELLTALE_API_TOKENS=${TOKEN}`, '-v', `${join(dir, 'gateway.yaml')}:/etc/telltale/gateway.yaml:ro`, 'telltale:latest', 'start', '--config', '/etc/telltale/gateway.yaml');
  });
  afterAll(async () => {
    await podman('rm', '-f', '-t', '0', GW);
    await podman('volume', 'rm', '-f', `${GW}-data`);
    await py?.peer.stop();
    await socat?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the RTU slave through the device passed in, as uid 1000 in the device\'s group', async () => {
    const query = `fetch('http://127.0.0.1:8080/api/v1/devices', { headers: { authorization: 'Bearer ${TOKEN}' } }).then((r) => r.text()).then((t) => console.log(t), (e) => { console.error(String(e)); process.exit(1); })`;
    const health = `fetch('http://127.0.0.1:8080/healthz', { headers: { authorization: 'Bearer ${TOKEN}' } }).then((r) => r.text()).then((t) => console.log(t), (e) => { console.error(String(e)); process.exit(1); })`;
    const h = await waitForAsync(async () => {
      const r = await podman('exec', GW, 'node', '-e', health);
      if (r.code !== 0) return undefined;
      const body = JSON.parse(r.stdout) as { detail?: { devices: { id: string; connected: boolean; samples: number }[] } };
      return body.detail?.devices.find((d) => d.id === 'meter' && d.connected && d.samples > 0);
    }, 60_000, async () => `the RTU device connected with samples (logs:\n${(await podman('logs', GW)).stdout.slice(-2000)})`);
    expect(h.connected).toBe(true);
    expect(await podmanOk('exec', GW, 'id', '-u')).toBe('1000');
    const r = await podman('exec', GW, 'node', '-e', query);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('"protocol":"modbus-rtu"');
    // Every poll answered: requests keep succeeding over the RTU line with no failed request (a CRC error, a timeout or
    // an exception would count). The decoded values against pymodbus's own encoding are test/acquisition/modbus/rtu.test.ts's.
    const devices = () => podman('exec', GW, 'node', '-e', query).then((x) => (JSON.parse(x.stdout) as { devices: { id: string; samples: number; errors: number; requests: number }[] }).devices.find((d) => d.id === 'meter')!);
    const first = await devices();
    const later = await waitFor(async () => { const d = await devices(); return d.requests >= first.requests + 10 ? d : undefined; }, 30_000, 'ten more RTU polls');
    expect(later.errors).toBe(0);
    expect(later.samples).toBeGreaterThan(first.samples);
    const checked = tags.length;
    console.log(`rtu: ${checked} RTU registers polled ${later.requests - first.requests} more times without an error in the container as uid 1000 through /dev/ttyRS485`);
  });
});
