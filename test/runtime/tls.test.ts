/**
 * The self-signed certificate of `tls: auto`: made once into <dataDir>/tls (key 0600), reused, replaced when it
 * expires, and accepted by Node's own TLS client for every name it carries when pinned as the CA.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { hostname, tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureSelfSigned, isLoopback, serverTls, tlsMode } from '../../gateway/runtime/tls.ts';
import { HEALTHCHECK_DEFAULTS } from '../../gateway/runtime/tls-mode.ts';
import { ApiSection, GatewaySection } from '../../gateway/config/schema.ts';
import { httpsGet } from '../support/https.ts';

describe('tls: auto', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('chooses HTTPS on a non-loopback address unless told false, plain HTTP on loopback unless told auto', () => {
    for (const h of ['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', 'gateway.plant.local', '::ffff:10.0.0.1']) expect(isLoopback(h), h).toBe(false);
    expect(tlsMode(undefined, '0.0.0.0')).toBe('auto');
    expect(tlsMode(undefined, '127.0.0.1')).toBe('off');
    expect(tlsMode(false, '0.0.0.0')).toBe('off');
    expect(tlsMode('auto', '127.0.0.1')).toBe('auto');
    expect(tlsMode({ cert: 'c.pem', key: 'k.pem' }, '0.0.0.0')).toBe('files');
  });

  it('gives the health check the schema\'s own defaults for api.host, api.port and gateway.dataDir', () => {
    expect(HEALTHCHECK_DEFAULTS).toEqual({ apiHost: ApiSection.properties.host.default, apiPort: ApiSection.properties.port.default, dataDir: GatewaySection.properties.dataDir.default });
  });

  it('generates an ECDSA P-256 certificate for this host, localhost and 127.0.0.1 with a 0600 key, then reuses it', async () => {
    const data = join(dir, 'data');
    const first = await ensureSelfSigned(data, ['10.1.2.3', '0.0.0.0']);
    expect(first.generated).toBe(true);
    expect(statSync(first.keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(data, 'tls')).mode & 0o777).toBe(0o700);
    const cert = new X509Certificate(readFileSync(first.certFile));
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(first.keyFile)))).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true); // self-signed
    const san = cert.subjectAltName ?? '';
    for (const name of [`DNS:${hostname().toLowerCase()}`, 'DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:10.1.2.3']) expect(san).toContain(name);
    expect(san).not.toContain('0.0.0.0');
    expect(cert.ca).toBe(false);

    chmodSync(first.keyFile, 0o644); // loosened by hand: the next start puts it back
    const again = await ensureSelfSigned(data, ['10.1.2.3']);
    expect(again.generated).toBe(false);
    expect(again.cert.equals(first.cert)).toBe(true);
    expect(statSync(first.keyFile).mode & 0o777).toBe(0o600);

    // A year past its 825 days it is replaced, with a new key.
    const later = await ensureSelfSigned(data, [], new Date(Date.now() + 900 * 86_400_000));
    expect(later.generated).toBe(true);
    expect(later.replaced).toMatch(/expires/);
    expect(later.key.equals(first.key)).toBe(false);
  });

  it('serves HTTPS that a client pinning the certificate accepts for 127.0.0.1 and localhost', async () => {
    const tls = await serverTls('api', 'auto', '127.0.0.1', join(dir, 'serve'));
    expect(tls.mode).toBe('auto');
    if (tls.mode === 'off') return;
    expect(tls.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const server: Server = createServer({ cert: tls.cert, key: tls.key }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as AddressInfo).port;
      for (const host of ['127.0.0.1', 'localhost']) {
        const res = await httpsGet(`https://${host}:${port}/`, tls.cert);
        expect(res.status).toBe(200);
      }
    } finally {
      server.close();
    }
  });

  it('adds the names of TELLTALE_TLS_NAMES, and makes a new certificate only when one of them is missing', async () => {
    const data = join(dir, 'names');
    const env = { TELLTALE_TLS_NAMES: 'Gateway.Plant.local, 192.168.7.7' };
    const first = await serverTls('api', 'auto', '0.0.0.0', data, env);
    if (first.mode === 'off') throw new Error('expected TLS');
    const cert = new X509Certificate(first.cert);
    expect(cert.checkHost('gateway.plant.local')).toBe('gateway.plant.local');
    expect(cert.checkIP('192.168.7.7')).toBe('192.168.7.7');
    const same = await serverTls('editor', 'auto', '0.0.0.0', data, { TELLTALE_TLS_NAMES: '192.168.7.7 gateway.plant.local' });
    expect(same.mode !== 'off' && same.fingerprint).toBe(first.fingerprint);
    const more = await serverTls('api', 'auto', '0.0.0.0', data, { TELLTALE_TLS_NAMES: 'gateway.plant.local,192.168.7.7,10.0.0.9' });
    if (more.mode === 'off') throw new Error('expected TLS');
    expect(more.fingerprint).not.toBe(first.fingerprint);
    expect(more.replaced).toBe('it lacks 10.0.0.9 (TELLTALE_TLS_NAMES)');
    expect(new X509Certificate(more.cert).checkHost('gateway.plant.local')).toBe('gateway.plant.local');
    // Without the variable the kept certificate is used as it is.
    const plain = await serverTls('api', 'auto', '0.0.0.0', data, {});
    expect(plain.mode !== 'off' && plain.fingerprint).toBe(more.fingerprint);
  });

  it('stops the start with one line when the data dir cannot keep the certificate', async () => {
    const blocked = join(dir, 'blocked');
    mkdirSync(blocked);
    writeFileSync(join(blocked, 'tls'), 'a file where the folder should be');
    await expect(serverTls('api', 'auto', '0.0.0.0', blocked)).rejects.toThrow(`api.tls: cannot keep the self-signed certificate in ${join(blocked, 'tls')}: EEXIST`);
  });

  it('names the field of an own certificate file that cannot be read', async () => {
    await expect(serverTls('editor', { cert: join(dir, 'nope.pem'), key: join(dir, 'nope.key') }, '0.0.0.0', dir))
      .rejects.toThrow(`editor.tls.cert: cannot read ${join(dir, 'nope.pem')}: ENOENT`);
  });
});
