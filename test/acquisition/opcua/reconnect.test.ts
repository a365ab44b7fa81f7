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

  const startServer = async () => {
    server = await startPlantOpcUaServer({
      host: '127.0.0.1',
      port,
      variables: PLANT,
      // The same PKI dir keeps the server certificate across restarts, as a real server's would.
      pkiDir: join(dir, 'server-pki'),
      operationLimits: { maxMonitoredItemsPerCall: LIMIT },
    });
    return server;
  };

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
    ep = new OpcUaEndpoint(device(first.endpointUrl, tags, { backoff: { initialMs: 100, maxMs: 500 } }), { pkiDir: join(dir, 'client') });
    const batches: SampleBatch[] = [];
    ep.onSamples((b) => batches.push(b));
    await ep.start();
    first.set('pump-1', 'flow', 1);
    await waitFor(() => batches.find((b) => b.values.flow === 1), 20_000, 'flow before restart');
    await waitFor(() => batches.find((b) => Object.keys(b.values).length === WIDE_TAGS), 20_000, 'wide tags before restart');

    await first.close();
    server = undefined;
    await waitFor(() => !ep!.status().connected, 20_000, 'the loss to be noticed');
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
          `(last error: ${ep.status().lastError})`,
      );
      expect(Object.keys(wide.values)).toHaveLength(WIDE_TAGS);
    } finally {
      clearInterval(ticker);
    }
    const status = ep.status();
    expect(status.connected).toBe(true);
    expect(status.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('monitors a group added while the server is down once node-opcua has restored the session', async () => {
    port = await freePort();
    const first = await startServer();
    ep = new OpcUaEndpoint(device(first.endpointUrl, [tag('pump-1', 'flow')], { backoff: { initialMs: 100, maxMs: 500 } }), {
      pkiDir: join(dir, 'client-3'),
    });
    const batches: SampleBatch[] = [];
    ep.onSamples((b) => batches.push(b));
    await ep.start();
    await waitFor(() => batches.find((b) => b.values.flow === 50), 20_000, 'flow before restart');
    await first.close();
    server = undefined;
    await waitFor(() => !ep!.status().connected, 20_000, 'the loss to be noticed');
    ep.addGroup({ id: 'late', asset: 'motor-1', tags: [tag('motor-1', 'current', { scale: 10 })] });
    await startServer();
    const late = await waitFor(() => batches.find((b) => b.group === 'late'), 60_000, 'the late group');
    expect(late.values.current).toBe(100);
    expect(ep.status().connected).toBe(true);
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
