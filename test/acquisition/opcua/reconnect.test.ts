import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OpcUaEndpoint } from '../../../gateway/acquisition/opcua/endpoint.ts';
import type { SampleBatch } from '../../../gateway/core/sample.ts';
import { startPlantOpcUaServer, type PlantOpcUaServer } from '../../../gateway/simulator/opcua-server/index.ts';
import { freePort } from '../../support/ports.ts';
import { waitFor } from '../../support/process.ts';
import { PLANT, WIDE_TAGS, device, tag } from './fixtures.ts';

const LIMIT = 5;

describe('OpcUaEndpoint reconnection', () => {
  let dir: string;
  let port: number;
  let server: PlantOpcUaServer | undefined;
  let ep: OpcUaEndpoint | undefined;

  const startServer = async (users?: Record<string, string>) => {
    server = await startPlantOpcUaServer({
      host: '127.0.0.1',
      port,
      variables: PLANT,
      users,
      // The same PKI dir keeps the server certificate across restarts, as a real server's would.
      pkiDir: join(dir, 'server-pki'),
      operationLimits: { maxMonitoredItemsPerCall: LIMIT },
    });
    return server;
  };

  /** Starts an endpoint, waits for `ready` in its batches, stops the server and waits for the loss. */
  async function connectThenStopServer(endpoint: OpcUaEndpoint, ready: (b: SampleBatch) => boolean): Promise<SampleBatch[]> {
    ep = endpoint;
    const batches: SampleBatch[] = [];
    ep.onSamples((b) => batches.push(b));
    await ep.start();
    await waitFor(() => batches.find(ready), 20_000, 'data before the restart');
    await server!.close();
    server = undefined;
    await waitFor(() => !endpoint.status().connected, 20_000, 'the loss to be noticed');
    return batches;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'telltale-opcua-reconnect-'));
  });

  afterEach(async () => {
    await ep?.stop();
    await server?.close();
    ep = undefined;
    server = undefined;
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('re-creates session, subscription and all monitored items after the server restarts on the same port', async () => {
    port = await freePort();
    const first = await startServer();
    const tags = [tag('pump-1', 'flow'), ...Array.from({ length: WIDE_TAGS }, (_, i) => tag('wide', `t${i}`))];
    const batches = await connectThenStopServer(
      new OpcUaEndpoint(device(first.endpointUrl, tags, { backoff: { initialMs: 100, maxMs: 500 } }), { pkiDir: join(dir, 'client') }),
      (b) => b.group === 'wide' && Object.keys(b.values).length === WIDE_TAGS,
    );
    const restartedAt = Date.now();
    const second = await startServer();
    const listeningAt = Date.now();
    const seen = batches.length;
    // The restarted server starts from its initial values; publish new ones until they arrive.
    let tick = 100;
    const ticker = setInterval(() => {
      tick++;
      second.set('pump-1', 'flow', tick);
      for (let i = 0; i < WIDE_TAGS; i++) second.set('wide', `t${i}`, 1000 + tick);
    }, 50);
    try {
      await waitFor(() => batches.slice(seen).find((b) => typeof b.values.flow === 'number' && b.values.flow > 100), 60_000, 'flow after restart');
      const wide = await waitFor(
        () => batches.slice(seen).findLast((b) => b.group === 'wide' && Object.values(b.values).every((v) => typeof v === 'number' && v > 1000)),
        30_000,
        'all wide tags after restart',
      );
      const now = Date.now();
      console.log(
        `OPC UA: data flowed again ${now - restartedAt} ms after the restart began, ${now - listeningAt} ms after the server listened ` +
          `(last error: ${ep!.status().lastError})`,
      );
      expect(Object.keys(wide.values)).toHaveLength(WIDE_TAGS);
    } finally {
      clearInterval(ticker);
    }
    const status = ep!.status();
    expect(status.connected).toBe(true);
    expect(status.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('monitors a group added while the server is down once node-opcua has restored the session', async () => {
    port = await freePort();
    const first = await startServer();
    const batches = await connectThenStopServer(
      new OpcUaEndpoint(device(first.endpointUrl, [tag('pump-1', 'flow')], { backoff: { initialMs: 100, maxMs: 500 } }), { pkiDir: join(dir, 'client-3') }),
      (b) => b.values.flow === 50,
    );
    ep!.addGroup({ id: 'late', asset: 'motor-1', tags: [tag('motor-1', 'current', { scale: 10 })] });
    await startServer();
    const late = await waitFor(() => batches.find((b) => b.group === 'late'), 60_000, 'the late group');
    expect(late.values.current).toBe(100);
    expect(ep!.status().connected).toBe(true);
  });

  it('rebuilds when node-opcua cannot restore the session, and reports why (password changed during a restart)', async () => {
    port = await freePort();
    const first = await startServer({ operator: 'old' });
    await connectThenStopServer(
      new OpcUaEndpoint(device(first.endpointUrl, [tag('pump-1', 'flow')], { username: 'operator', password: 'old' }), { pkiDir: join(dir, 'client-4') }),
      (b) => b.values.flow === 50,
    );
    const second = await startServer({ operator: 'new' });
    // node-opcua retries the session repair forever; the watchdog rebuilds and the fresh login says why it fails.
    const status = await waitFor(() => (ep!.status().lastError?.includes('wrong username or password') ? ep!.status() : undefined), 40_000, 'login error');
    expect(status.lastError).toBe(`OPC UA device plc-1: ${second.endpointUrl} refused login as "operator": wrong username or password (BadUserAccessDenied)`);
    expect(status.connected).toBe(false);
  });

  it('keeps retrying with backoff while the server is down and connects once it is up', async () => {
    port = await freePort();
    ep = new OpcUaEndpoint(device(`opc.tcp://127.0.0.1:${port}`, [tag('pump-1', 'flow')]), { pkiDir: join(dir, 'client-2') });
    const batches: SampleBatch[] = [];
    ep.onSamples((b) => batches.push(b));
    await ep.start();
    const down = await waitFor(() => (ep!.status().errors >= 2 ? ep!.status() : undefined), 20_000, 'failed attempts');
    expect(down.connected).toBe(false);
    expect(down.lastError).toContain(`127.0.0.1:${port}`);
    await startServer();
    await waitFor(() => batches.find((b) => b.values.flow === 50), 30_000, 'flow once the server is up');
    expect(ep.status().state).toBe('connected');
  });
});
