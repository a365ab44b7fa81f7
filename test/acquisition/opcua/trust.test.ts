import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OpcUaEndpoint } from '../../../gateway/acquisition/opcua/endpoint.ts';
import type { SampleBatch } from '../../../gateway/core/sample.ts';
import { startPlantOpcUaServer, type PlantOpcUaServer } from '../../../gateway/simulator/opcua-server/index.ts';
import { freePort } from '../../support/ports.ts';
import { waitFor } from '../../support/process.ts';
import { PLANT, device, tag } from './fixtures.ts';

describe('OpcUaEndpoint server trust', () => {
  let dir: string;
  let port: number;
  let server: PlantOpcUaServer | undefined;
  const endpoints: OpcUaEndpoint[] = [];

  const secure = (extra = {}) =>
    device(`opc.tcp://127.0.0.1:${port}`, [tag('pump-1', 'flow')], { securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', ...extra });

  function run(ep: OpcUaEndpoint): SampleBatch[] {
    const batches: SampleBatch[] = [];
    ep.onSamples((b) => batches.push(b));
    endpoints.push(ep);
    void ep.start();
    return batches;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'telltale-opcua-trust-'));
    port = await freePort();
  });

  afterEach(async () => {
    await Promise.all(endpoints.splice(0).map((ep) => ep.stop()));
    await server?.close();
    server = undefined;
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trusts the first server certificate, then rejects a different one at the same endpoint with the fix in the message', async () => {
    server = await startPlantOpcUaServer({ host: '127.0.0.1', port, variables: PLANT, pkiDir: join(dir, 'server-a') });
    const first = run(new OpcUaEndpoint(secure(), { pkiDir: join(dir, 'client') }));
    await waitFor(() => first.find((b) => b.values.flow === 50), 30_000, 'data from the first server');
    await Promise.all(endpoints.splice(0).map((ep) => ep.stop()));
    await server.close();

    // Same address, new certificate: an impostor or a reinstalled server; either way an operator decides.
    server = await startPlantOpcUaServer({ host: '127.0.0.1', port, variables: PLANT, pkiDir: join(dir, 'server-b') });
    const ep = new OpcUaEndpoint(secure(), { pkiDir: join(dir, 'client') });
    const second = run(ep);
    const status = await waitFor(() => (ep.status().lastError ? ep.status() : undefined), 30_000, 'trust error');
    expect(status.lastError).toContain('plc-1');
    expect(status.lastError).toContain('is not trusted');
    expect(status.lastError).toContain('/client/rejected');
    expect(status.connected).toBe(false);
    expect(second).toEqual([]);
    expect(readdirSync(join(dir, 'client', 'client', 'rejected')).length).toBeGreaterThan(0);
  });

  it("accepts any server certificate with serverTrust 'auto-accept'", async () => {
    server = await startPlantOpcUaServer({ host: '127.0.0.1', port, variables: PLANT, pkiDir: join(dir, 'server-c') });
    const batches = run(new OpcUaEndpoint(secure(), { pkiDir: join(dir, 'client'), serverTrust: 'auto-accept' }));
    await waitFor(() => batches.find((b) => b.values.flow === 50), 30_000, 'data with auto-accept');
  });

  it("rejects an unknown server certificate with serverTrust 'trusted-only'", async () => {
    server = await startPlantOpcUaServer({ host: '127.0.0.1', port, variables: PLANT, pkiDir: join(dir, 'server-f') });
    const ep = new OpcUaEndpoint(secure(), { pkiDir: join(dir, 'client-strict'), serverTrust: 'trusted-only' });
    const batches = run(ep);
    const status = await waitFor(() => (ep.status().lastError ? ep.status() : undefined), 30_000, 'trust error');
    expect(status.lastError).toContain('is not trusted');
    expect(batches).toEqual([]);
  });

  it('lets several endpoints share one fresh PKI dir and connect at once (as the gateway runs them)', async () => {
    server = await startPlantOpcUaServer({ host: '127.0.0.1', port, variables: PLANT, pkiDir: join(dir, 'server-e') });
    const ids = ['plc-a', 'plc-b', 'plc-c', 'plc-d'];
    const all = ids.map((id, i) => run(new OpcUaEndpoint(i % 2 ? secure({ id }) : device(`opc.tcp://127.0.0.1:${port}`, [tag('pump-1', 'flow')], { id }), { pkiDir: join(dir, 'shared') })));
    await waitFor(() => all.every((batches) => batches.some((b) => b.values.flow === 50)), 30_000, 'data on every endpoint');
    expect(all.map((batches) => batches[0].device)).toEqual(ids);
  });

  it('names the endpoint when it offers no matching security mode', async () => {
    server = await startPlantOpcUaServer({ host: '127.0.0.1', port, variables: PLANT, pkiDir: join(dir, 'server-d') });
    const ep = new OpcUaEndpoint(secure({ securityMode: 'Sign' }), { pkiDir: join(dir, 'client-sign'), serverTrust: 'auto-accept' });
    run(ep);
    const status = await waitFor(() => (ep.status().lastError ? ep.status() : undefined), 30_000, 'endpoint error');
    expect(status.lastError).toContain(`opc.tcp://127.0.0.1:${port} offers no endpoint with the configured securityMode/securityPolicy`);
  });
});
