/**
 * The image's HEALTHCHECK (bin/healthcheck.js) against the real `telltale start`, in both modes:
 *   - the shipped docker/gateway.yaml (0.0.0.0, tls: auto) with the container's environment pointed at a temporary
 *     data dir and free ports: HTTPS with the self-signed certificate, pinned by fingerprint; the certificate is
 *     reused by the next start, and a different certificate in the data dir makes the check fail;
 *   - plain HTTP chosen explicitly (tls: false);
 *   - and no gateway at all: exit 1.
 * No container engine: the same script and config the image runs, on this machine.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { selfSignedCertificate } from '../../gateway/runtime/tls.ts';
import { freePort } from '../support/ports.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const node = join(repo, 'node_modules/.bin/node');
const shipped = join(repo, 'docker/gateway.yaml');

/** Runs the health check as Docker does (same environment as the gateway); its exit code and output. */
function healthcheck(env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(node, ['bin/healthcheck.js'], { cwd: repo, env: { ...process.env, ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: `${stdout}${stderr}`.trim() });
    });
  });
}

function start(env: Record<string, string>, config: string): Spawned {
  return spawnPeer(node, ['bin/telltale.js', 'start', '--config', config], { cwd: repo, env: { ...process.env, ...env } });
}

/** Resolves once the gateway printed its banner; fails at once if it exits first (no 60 s wait for a dead process). */
const running = (gw: Spawned) => Promise.race([
  waitFor(() => gw.output().includes('running'), 60_000, () => `the gateway (output:\n${gw.output()})`),
  new Promise<never>((_, reject) => gw.child.once('exit', (code) => reject(new Error(`the gateway exited with ${code}:\n${gw.output()}`)))),
]);

describe('bin/healthcheck.js against telltale start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-healthcheck-'));
  const peers: Spawned[] = [];
  afterAll(async () => {
    for (const p of peers) await p.stop(20_000);
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes over HTTPS with the shipped config, pinning the self-signed certificate kept in the data dir', { timeout: 180_000 }, async () => {
    const dataDir = join(dir, 'shipped');
    // What the image and compose set, with a temporary data dir and free ports instead of /data, 8080 and 1880.
    const env = {
      TELLTALE_CONFIG: shipped, TELLTALE_DATA_DIR: dataDir, TELLTALE_API_PORT: String(await freePort()), TELLTALE_EDITOR_PORT: String(await freePort()),
      TELLTALE_EDITOR_PASSWORD: 'a-password-for-the-test',
    };
    let gw = start(env, shipped);
    peers.push(gw);
    await running(gw);
    const certFile = join(dataDir, 'tls/cert.pem');
    const fingerprint = new X509Certificate(readFileSync(certFile)).fingerprint256;
    expect(gw.output()).toContain(`API:          https://0.0.0.0:${env.TELLTALE_API_PORT}/healthz`);
    expect(gw.output()).toContain(`Flow editor:  https://0.0.0.0:${env.TELLTALE_EDITOR_PORT}/`);
    expect(gw.output()).toContain(`API TLS: self-signed certificate (generated now; set api.tls to use your own) ${certFile}, SHA-256 fingerprint ${fingerprint}`);

    const ok = await healthcheck(env);
    expect(ok, ok.out).toEqual({ code: 0, out: `healthy: https://127.0.0.1:${env.TELLTALE_API_PORT}/healthz 200 (certificate pinned)` });
    // Nothing in clear text: plain HTTP to the API port gets no answer.
    await expect(fetch(`http://127.0.0.1:${env.TELLTALE_API_PORT}/healthz`)).rejects.toThrow();

    // The next start keeps the certificate (a pinned fingerprint stays valid).
    await gw.stop(20_000);
    expect((await healthcheck(env)).code).toBe(1);
    gw = start(env, shipped);
    peers.push(gw);
    await running(gw);
    expect(gw.output()).toContain(`API TLS: self-signed certificate (kept from an earlier start; set api.tls to use your own) ${certFile}, SHA-256 fingerprint ${fingerprint}`);
    expect((await healthcheck(env)).code).toBe(0);

    // A server whose certificate is not the one in the data dir fails the check.
    writeFileSync(certFile, (await selfSignedCertificate(['127.0.0.1'])).cert);
    const wrong = await healthcheck(env);
    expect(wrong.code).toBe(1);
    expect(wrong.out).toContain(`the server's certificate (SHA-256 ${fingerprint}) is not ${certFile}`);
  });

  it('passes over plain HTTP when the config chooses it, and fails once the gateway is gone', { timeout: 120_000 }, async () => {
    const config = join(dir, 'plain.yaml');
    const apiPort = await freePort();
    writeFileSync(config, stringify({ gateway: { id: 'plain', dataDir: join(dir, 'plain') }, api: { host: '0.0.0.0', port: apiPort, tls: false }, editor: { enabled: false } }));
    const gw = start({}, config);
    peers.push(gw);
    await running(gw);
    expect(gw.output()).toContain(`API:          http://0.0.0.0:${apiPort}/healthz`);
    const ok = await healthcheck({ TELLTALE_CONFIG: config });
    expect(ok).toEqual({ code: 0, out: `healthy: http://127.0.0.1:${apiPort}/healthz 200` });
    // The environment overrides the file as it does for the gateway: another port, where nothing answers, fails.
    const elsewhere = await freePort();
    const other = await healthcheck({ TELLTALE_CONFIG: config, TELLTALE_API_PORT: String(elsewhere) });
    expect(other.code).toBe(1);
    expect(other.out).toContain(`http://127.0.0.1:${elsewhere}/healthz`);
    await gw.stop(20_000);
    const down = await healthcheck({ TELLTALE_CONFIG: config });
    expect(down.code).toBe(1);
    expect(down.out).toMatch(new RegExp(`^unhealthy: http://127\\.0\\.0\\.1:${apiPort}/healthz: .*ECONNREFUSED`));
  });
});
