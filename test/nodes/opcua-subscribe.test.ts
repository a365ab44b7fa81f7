import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import opcuaEndpoint from '../../nodes/opcua-endpoint/opcua-endpoint.ts';
import opcuaSubscribe from '../../nodes/opcua-subscribe/opcua-subscribe.ts';
import { startPlantOpcUaServer, type PlantOpcUaServer } from '../../gateway/simulator/opcua-server/index.ts';
import { waitFor } from '../support/process.ts';
import { errorsOf, helper, initHelper, nextMessage } from './helper.ts';

describe('opcua-subscribe', () => {
  const { registry, pkiDir } = initHelper();
  let server: PlantOpcUaServer;
  const endpoint = (url: string, extra: object = {}) => ({ id: 'ep', type: 'opcua-endpoint', name: 'plant-ua', endpoint: url, securityMode: 'None', securityPolicy: 'None', ...extra });
  const subscribe = (extra: object = {}) => ({
    id: 'sub', type: 'opcua-subscribe', endpoint: 'ep', asset: 'pump-1', samplingIntervalMs: 50, deadbandType: 'none', deadbandValue: 0,
    tags: [{ name: 'pressure', nodeId: 'ns=1;s=pump-1.pressure', unit: 'bar' }, { name: 'running', nodeId: 'ns=1;s=pump-1.running', unit: '' }],
    wires: [['out']], ...extra,
  });
  const out = { id: 'out', type: 'helper' };

  beforeAll(async () => {
    server = await startPlantOpcUaServer({
      host: '127.0.0.1', port: 0,
      variables: [{ asset: 'pump-1', name: 'pressure', unit: 'bar', initial: 4.2 }, { asset: 'pump-1', name: 'running', initial: true }],
    });
    await helper.startServer();
  });
  afterEach(() => helper.unload());
  afterAll(async () => {
    await helper.stopServer();
    await server?.close();
    rmSync(pkiDir, { recursive: true, force: true });
  });

  it('sends { asset, ts, values, quality } with good values from the server', async () => {
    await helper.load([opcuaEndpoint, opcuaSubscribe], [endpoint(server.endpointUrl), subscribe(), out]);
    const msg = await nextMessage(helper.getNode('out'), (m) => m.payload.values.pressure !== undefined && m.payload.values.running !== undefined);
    expect(msg.topic).toBe('pump-1');
    expect(msg.payload.asset).toBe('pump-1');
    expect(msg.payload.values).toMatchObject({ pressure: 4.2, running: true });
    expect(msg.payload.quality.pressure).toEqual({ status: 'good' });
    expect(registry.get('plant-ua')?.status().connected).toBe(true);
  });

  it('unregisters and closes its endpoint when the flow stops', async () => {
    await helper.load([opcuaEndpoint, opcuaSubscribe], [endpoint(server.endpointUrl), subscribe(), out]);
    expect(registry.has('plant-ua')).toBe(true);
    await helper.unload();
    expect(registry.has('plant-ua')).toBe(false);
  });

  it('shows a red ring for an unreachable server, without crashing', async () => {
    await helper.load([opcuaEndpoint, opcuaSubscribe], [endpoint('opc.tcp://127.0.0.1:1/none'), subscribe(), out]);
    const sub = helper.getNode('sub');
    const statuses: { fill?: string; shape?: string }[] = [];
    sub.on('call:status', (call: { args: [{ fill?: string; shape?: string }] }) => statuses.push(call.args[0]));
    await waitFor(() => registry.get('plant-ua')?.status().errors, 30_000, 'a connection error');
    await waitFor(() => statuses.some((s) => s.fill === 'red' && s.shape === 'ring'), 30_000, 'a red ring');
  });

  it('refuses a tag without a node id with a message naming node and field', async () => {
    await helper.load([opcuaEndpoint, opcuaSubscribe], [endpoint(server.endpointUrl), subscribe({ name: 'bad', tags: [{ name: 'pressure', nodeId: '' }] }), out]);
    expect(errorsOf('sub').join('\n')).toMatch(/opcua-subscribe "bad": tags\[0\]\.nodeId/);
  });
});
