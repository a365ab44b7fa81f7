import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentialSecret, startNodeRed, type NodeRedHost } from '../../gateway/host/nodered.ts';
import { DeviceRegistry } from '../../gateway/runtime/registry.ts';

describe('startNodeRed', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-host-'));
  const seed = [
    { id: 'tab1', type: 'tab', label: 'Seeded' },
    { id: 'c1', type: 'comment', z: 'tab1', name: 'seeded by the test', x: 100, y: 40, wires: [] },
  ];
  let host: NodeRedHost;
  beforeAll(async () => {
    host = await startNodeRed({ dataDir, port: 0, registry: new DeviceRegistry(), seedFlow: () => seed, logLevel: 'error' });
  });
  afterAll(async () => {
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('seeds the flow file of a fresh data dir', () => {
    expect(host.flowFile).toBe(join(dataDir, 'flows.json'));
    expect(JSON.parse(readFileSync(host.flowFile, 'utf8'))).toEqual(seed);
  });

  it('serves the editor page', async () => {
    const res = await fetch(host.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>Telltale</title>');
  });

  it('runs the seeded flow', async () => {
    const res = await fetch(new URL('flows', host.url), { headers: { 'Node-RED-API-Version': 'v2' } });
    const body = (await res.json()) as { flows: { id: string }[] };
    expect(body.flows.map((n) => n.id)).toEqual(['tab1', 'c1']);
  });

  it('loads the Telltale nodes from this package', async () => {
    const res = await fetch(new URL('nodes', host.url), { headers: { Accept: 'application/json' } });
    const sets = (await res.json()) as { module: string; types: string[]; err?: string }[];
    const ours = sets.filter((s) => s.module === 'telltale');
    expect(ours.flatMap((s) => s.err ?? [])).toEqual([]);
    expect(ours.flatMap((s) => s.types)).toEqual(expect.arrayContaining(['modbus-device', 'modbus-read', 'opcua-endpoint', 'opcua-subscribe']));
  });

  it('disables diagnostics and telemetry', async () => {
    // Node-RED's own refusal when settings.diagnostics.enabled is false (not a 404 or a 500 that any bug would give).
    const diag = await fetch(new URL('diagnostics', host.url));
    expect(diag.status).toBe(403);
    expect(await diag.json()).toEqual({ code: 'diagnostics.disabled', message: 'diagnostics are disabled' });
    const res = await fetch(new URL('settings', host.url));
    expect(res.status).toBe(200);
    const settings = (await res.json()) as Record<string, unknown>;
    expect(settings.telemetryEnabled).toBe(false);
    expect(settings.diagnostics).toEqual({ enabled: false, ui: false });
    expect((settings.editorTheme as { palette: { catalogues: unknown[] } }).palette.catalogues).toEqual([]);
  });

  it('keeps a private credential key in the data dir, stable across restarts', () => {
    const file = join(dataDir, 'credential-secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(credentialSecret(dataDir, {})).toBe(readFileSync(file, 'utf8').trim());
    expect(credentialSecret(dataDir, { TELLTALE_CREDENTIAL_SECRET: 'from-env' })).toBe('from-env');
  });
});
