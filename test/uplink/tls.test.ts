import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { freePort, waitForPort } from '../support/ports.ts';
import { waitFor } from '../support/process.ts';
import { CloudUplink, loadTls, resolveUplinkConfig } from '../../gateway/uplink/index.ts';

const openssl = (dir: string, ...args: string[]) => execFileSync('/usr/bin/openssl', args, { cwd: dir, stdio: 'pipe' });

describe('CloudUplink over TLS with a client certificate and a password', () => {
  let dir: string;
  let broker: Mosquitto;
  let tlsPort: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telltale-tls-'));
    // A CA, a broker certificate for 127.0.0.1 and a client certificate, all signed by the CA.
    openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Telltale Test CA');
    for (const [name, cn, ext] of [['server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1'], ['client', 'gw-tls', 'extendedKeyUsage=clientAuth']]) {
      openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
      execFileSync('/bin/sh', ['-c', `printf '%s\\n' '${ext}' > ${name}.ext`], { cwd: dir });
      openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
    }
    execFileSync('/usr/bin/mosquitto_passwd', ['-b', '-c', join(dir, 'passwd'), 'gw-tls', 's3cret'], { stdio: 'pipe' });
    tlsPort = await freePort();
    broker = await startMosquitto({
      allowAnonymous: false,
      extraConfig: [
        `password_file ${join(dir, 'passwd')}`,
        `listener ${tlsPort} 127.0.0.1`,
        `cafile ${join(dir, 'ca.pem')}`,
        `certfile ${join(dir, 'server.pem')}`,
        `keyfile ${join(dir, 'server.key')}`,
        'require_certificate true',
      ].join('\n'),
    });
    await waitForPort(tlsPort);
  });
  afterAll(async () => {
    await broker?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const uplink = (name: string, env: NodeJS.ProcessEnv) =>
    new CloudUplink({
      config: resolveUplinkConfig({
        url: `mqtts://127.0.0.1:${tlsPort}`,
        clientId: name,
        reconnectPeriodMs: 300,
        tls: { ca: join(dir, 'ca.pem'), cert: join(dir, 'client.pem'), key: join(dir, 'client.key') },
      }, 'uplink', env),
      site: 'site-tls',
      gateway: name,
      outboxPath: join(dir, `${name}.sqlite`),
    });

  it('does deliver an alert with CA, client certificate and the password from the environment', async () => {
    const rx = await mqtt.connectAsync(broker.url, { protocolVersion: 5, username: 'gw-tls', password: 's3cret' });
    const got: string[] = [];
    rx.on('message', (t, p) => got.push(`${t} ${JSON.parse(p.toString()).alert?.id ?? ''}`));
    await rx.subscribeAsync('telltale/site-tls/#', { qos: 1 });
    const u = uplink('gw-ok', { TELLTALE_MQTT_USERNAME: 'gw-tls', TELLTALE_MQTT_PASSWORD: 's3cret' });
    u.start();
    u.alert({ kind: 'open', id: 'tls-1', asset: 'pump-1', ts: Date.now() });
    await u.drain(20_000);
    await waitFor(() => got.includes('telltale/site-tls/gw-ok/alerts tls-1'), 10_000, 'the alert over TLS');
    await u.stop();
    await rx.endAsync();
  });

  it('does keep the alert queued and name the refusal when the password is wrong', async () => {
    const u = uplink('gw-bad', { TELLTALE_MQTT_USERNAME: 'gw-tls', TELLTALE_MQTT_PASSWORD: 'wrong' });
    u.start();
    u.alert({ kind: 'open', id: 'tls-2', asset: 'pump-1', ts: Date.now() });
    await waitFor(() => /Not authorized|Bad User Name or Password/i.test(u.status().lastError ?? ''), 10_000, 'the refusal');
    expect(u.status()).toMatchObject({ connected: false, queued: 1 });
    await u.stop();
  });

  it('does name the field and file of missing TLS material', () => {
    expect(() => loadTls({ ca: join(dir, 'nope.pem'), rejectUnauthorized: true })).toThrow(`uplink.tls.ca: cannot read ${join(dir, 'nope.pem')}: ENOENT`);
    expect(() => loadTls({ cert: join(dir, 'client.pem'), rejectUnauthorized: true })).toThrow('uplink.tls: cert and key must be given together');
  });
});
