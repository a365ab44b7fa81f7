import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OpcUaEndpoint } from '../../../gateway/acquisition/opcua/endpoint.ts';
import type { SampleBatch } from '../../../gateway/core/sample.ts';
import { startPlantOpcUaServer, type PlantOpcUaServer } from '../../../gateway/simulator/opcua-server/index.ts';
import { waitFor } from '../../support/process.ts';
import { PLANT, WIDE_TAGS, device, tag } from './fixtures.ts';

const MAX_ITEMS_PER_CALL = 5;

describe('OpcUaEndpoint', () => {
  let server: PlantOpcUaServer;
  let dir: string;
  const running: OpcUaEndpoint[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'telltale-opcua-endpoint-'));
    server = await startPlantOpcUaServer({
      host: '127.0.0.1',
      port: 0,
      variables: PLANT,
      users: { operator: 'secret' },
      pkiDir: join(dir, 'server-pki'),
      operationLimits: { maxMonitoredItemsPerCall: MAX_ITEMS_PER_CALL, maxNodesPerRead: MAX_ITEMS_PER_CALL },
    });
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((ep) => ep.stop()));
  });

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  function start(ep: OpcUaEndpoint): { batches: SampleBatch[] } {
    const batches: SampleBatch[] = [];
    ep.onSamples((b) => batches.push(b));
    running.push(ep);
    void ep.start();
    return { batches };
  }

  it('delivers scaled values, one batch per group per publish, stamped with the source timestamp', async () => {
    const ep = new OpcUaEndpoint(
      device(server.endpointUrl, [tag('pump-1', 'pressure', { scale: 100, offset: 1 }), tag('pump-1', 'running'), tag('motor-1', 'current')]),
      { pkiDir: join(dir, 'client-1') },
    );
    const { batches } = start(ep);
    // The first publish carries every tag's initial value (newest source timestamp wins); change after it.
    await waitFor(() => batches.find((b) => b.values.pressure === 301 && b.values.running === true), 20_000, 'initial values');
    const stamp = new Date('2026-01-02T03:04:05.000Z');
    server.set('pump-1', 'pressure', 4.25, stamp);
    const batch = await waitFor(() => batches.find((b) => b.values.pressure === 426), 10_000, 'scaled pressure');
    expect(batch).toMatchObject({ device: 'plc-1', asset: 'pump-1', group: 'pump-1', ts: stamp.getTime() });
    expect(batch.values.running).toBe(true);
    expect(batch.quality.pressure).toEqual({ status: 'good' });
    expect(batches.some((b) => b.group === 'motor-1' && b.values.current === 10)).toBe(true);
    // Tags of different assets never share a batch.
    expect(batches.every((b) => (b.asset === 'pump-1') === ('pressure' in b.values) && !('current' in b.values && 'pressure' in b.values))).toBe(true);
    expect(ep.status()).toMatchObject({ state: 'connected', errors: 0 });
    expect(ep.status().samples).toBeGreaterThanOrEqual(3);
  });

  it('subscribes more tags than the server accepts per CreateMonitoredItems call', async () => {
    const tags = Array.from({ length: WIDE_TAGS }, (_, i) => tag('wide', `t${i}`));
    expect(tags.length).toBeGreaterThan(MAX_ITEMS_PER_CALL);
    const ep = new OpcUaEndpoint(device(server.endpointUrl, tags), { pkiDir: join(dir, 'client-2') });
    const { batches } = start(ep);
    const full = await waitFor(() => batches.findLast((b) => Object.keys(b.values).length === WIDE_TAGS), 20_000, 'all wide tags');
    for (let i = 0; i < WIDE_TAGS; i++) {
      expect(full.values[`t${i}`]).toBe(i);
      expect(full.quality[`t${i}`]).toEqual({ status: 'good' });
    }
  });

  it('gives an unknown node id bad quality naming BadNodeIdUnknown, and keeps the good tags', async () => {
    const ep = new OpcUaEndpoint(device(server.endpointUrl, [tag('motor-1', 'current'), tag('motor-1', 'ghost')]), { pkiDir: join(dir, 'client-3') });
    const { batches } = start(ep);
    const batch = await waitFor(() => batches.find((b) => b.quality.ghost && b.values.current === 10), 20_000, 'ghost quality');
    expect(batch.values.ghost).toBeNull();
    expect(batch.quality.ghost).toMatchObject({ status: 'bad', code: 'BadNodeIdUnknown' });
    expect(batch.quality.ghost.status === 'bad' && batch.quality.ghost.reason).toContain('ns=1;s=motor-1.ghost');
    expect(ep.status().connected).toBe(true);
  });

  it('connects with SignAndEncrypt / Basic256Sha256 as a user, generating its client certificate on first use', async () => {
    const pkiDir = join(dir, 'client-4');
    const ep = new OpcUaEndpoint(
      device(server.endpointUrl, [tag('pump-1', 'flow')], {
        securityMode: 'SignAndEncrypt',
        securityPolicy: 'Basic256Sha256',
        username: 'operator',
        password: 'secret',
      }),
      { pkiDir },
    );
    const { batches } = start(ep);
    await waitFor(() => batches.find((b) => b.values.flow === 50), 30_000, 'flow over SignAndEncrypt');
    expect(existsSync(join(pkiDir, 'client/own/certs/client_certificate.pem'))).toBe(true);
    expect(existsSync(join(pkiDir, 'pinned/plc-1.sha1'))).toBe(true);
  });

  it('reports a wrong password in its status and never connects', async () => {
    const ep = new OpcUaEndpoint(
      device(server.endpointUrl, [tag('pump-1', 'flow')], { username: 'operator', password: 'wrong' }),
      { pkiDir: join(dir, 'client-5') },
    );
    const { batches } = start(ep);
    const status = await waitFor(() => (ep.status().lastError ? ep.status() : undefined), 20_000, 'login error');
    expect(status.lastError).toContain('refused login as "operator": wrong username or password (BadUserAccessDenied)');
    expect(status.lastError).toContain('plc-1');
    expect(status.connected).toBe(false);
    expect(batches).toEqual([]);
  });

  it('stops cleanly at any point of connecting and sends nothing afterwards', async () => {
    for (const delayMs of [0, 10, 50, 200]) {
      const ep = new OpcUaEndpoint(device(server.endpointUrl, [tag('pump-1', 'flow')]), { pkiDir: join(dir, 'client-9') });
      const batches: SampleBatch[] = [];
      ep.onSamples((b) => batches.push(b));
      await ep.start();
      await new Promise((r) => setTimeout(r, delayMs));
      await ep.stop();
      expect(ep.status()).toMatchObject({ state: 'stopped', connected: false });
      const seen = batches.length;
      server.set('pump-1', 'flow', 60 + delayMs);
      await new Promise((r) => setTimeout(r, 300));
      expect(batches.length).toBe(seen);
    }
    server.set('pump-1', 'flow', 50);
  });

  it('logs in anonymously when the user name is empty (an unset credential)', async () => {
    const ep = new OpcUaEndpoint(device(server.endpointUrl, [tag('pump-1', 'running')], { username: '', password: '' }), { pkiDir: join(dir, 'client-8') });
    const { batches } = start(ep);
    await waitFor(() => batches.find((b) => b.values.running === true), 20_000, 'anonymous data');
    expect(ep.status().errors).toBe(0);
  });

  /**
   * Sets pressure to each value in turn and, after each, waits on events, not on sleeps: a marker value written to
   * flow (no deadband, same subscription) after the pressure change must arrive, twice in a row, so at least one
   * whole sampling and publishing cycle has passed since the pressure change. Returns the pressures delivered.
   */
  async function stepPressure(deadband: { type: 'absolute' | 'percent'; value: number } | undefined, client: string): Promise<number[]> {
    server.set('pump-1', 'pressure', 0);
    server.set('pump-1', 'flow', 0);
    const ep = new OpcUaEndpoint(device(server.endpointUrl, [tag('pump-1', 'pressure', deadband ? { deadband } : {}), tag('pump-1', 'flow')]), { pkiDir: join(dir, client) });
    const { batches } = start(ep);
    await waitFor(() => batches.find((b) => b.values.pressure === 0), 20_000, 'initial pressure');
    let marker = 1000;
    for (const v of [1, 2, 3, 9]) {
      server.set('pump-1', 'pressure', v);
      for (let i = 0; i < 2; i++) {
        const m = ++marker;
        server.set('pump-1', 'flow', m);
        await waitFor(() => batches.find((b) => b.values.flow === m), 10_000, `flow marker ${m} after pressure ${v}`);
      }
    }
    return batches.map((b) => b.values.pressure).filter((p): p is number => typeof p === 'number');
  }

  it('reports every pressure step without a deadband (the positive control of the deadband cases)', async () => {
    const seen = await stepPressure(undefined, 'client-6-none');
    expect([1, 2, 3, 9].filter((v) => seen.includes(v))).toEqual([1, 2, 3, 9]);
  });

  // pressure's EURange is 0..10, so 50 % is the same band as 5 absolute.
  it.each([
    { type: 'absolute' as const, value: 5 },
    { type: 'percent' as const, value: 50 },
  ])('does not report changes inside the $type deadband ($value)', async (deadband) => {
    const seen = await stepPressure(deadband, `client-6-${deadband.type}`);
    expect(seen.filter((v) => v === 1 || v === 2 || v === 3)).toEqual([]);
    expect(seen).toContain(9);
  });

  it('adds a group at run time and stops its batches when removed', async () => {
    const ep = new OpcUaEndpoint(device(server.endpointUrl, [tag('pump-1', 'flow')]), { pkiDir: join(dir, 'client-7') });
    const { batches } = start(ep);
    await waitFor(() => ep.status().connected, 20_000, 'connected');
    const remove = ep.addGroup({ id: 'node-red-1', asset: 'motor-1', tags: [tag('motor-1', 'current', { scale: 2 })] });
    expect(() => ep.addGroup({ id: 'node-red-1', asset: 'motor-1', tags: [] })).toThrow(/plc-1: group "node-red-1" is already registered/);
    server.set('motor-1', 'current', 21);
    await waitFor(() => batches.find((b) => b.group === 'node-red-1' && b.values.current === 42), 10_000, 'run-time group');
    remove();
    await new Promise((r) => setTimeout(r, 300));
    const seen = batches.length;
    server.set('motor-1', 'current', 22);
    server.set('pump-1', 'flow', 51);
    await waitFor(() => batches.find((b) => b.values.flow === 51), 10_000, 'flow after removal');
    expect(batches.slice(seen).filter((b) => b.group === 'node-red-1')).toEqual([]);
  });
});
