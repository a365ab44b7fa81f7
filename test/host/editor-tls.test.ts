import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeRed, type NodeRedHost } from '../../gateway/host/nodered.ts';
import { editorLogin } from '../../gateway/host/security.ts';
import { DeviceRegistry } from '../../gateway/runtime/registry.ts';
import { httpsGet } from '../support/https.ts';

const get = (url: string, ca: Buffer) => httpsGet(url, ca);

describe('startNodeRed with editor TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-editor-tls-'));
  const cert = join(dir, 'editor.crt');
  const key = join(dir, 'editor.key');
  let host: NodeRedHost;

  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  });
  afterAll(async () => {
    await host?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the file it cannot read, before starting anything', async () => {
    await expect(startNodeRed({ dataDir: join(dir, 'data'), port: 0, registry: new DeviceRegistry(), tls: { cert, key: join(dir, 'missing.key') } }))
      .rejects.toThrow(`editor.tls.key: cannot read ${join(dir, 'missing.key')}: ENOENT`);
  });

  it('serves the editor over HTTPS, still behind the login', async () => {
    const dataDir = join(dir, 'data');
    host = await startNodeRed({ dataDir, port: 0, registry: new DeviceRegistry(), tls: { cert, key }, adminAuth: editorLogin({ dataDir, env: {} }).adminAuth, logLevel: 'error' });
    expect(host.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    const ca = readFileSync(cert);
    const page = await get(host.url, ca);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Telltale</title>');
    expect((await get(`${host.url}flows`, ca)).status).toBe(401);
  });
});
