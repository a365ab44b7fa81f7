import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttributeIds, OPCUAClient, type ClientSession } from 'node-opcua';
import { clientCertificateManager } from '../../gateway/acquisition/opcua/trust.ts';
import { validateConfig } from '../../gateway/config/validate.ts';
import { plantValue, startSimulator, type Simulator } from '../../gateway/simulator/index.ts';

describe('startSimulator (OPC UA)', () => {
  let dir: string;
  let sim: Simulator;
  let client: OPCUAClient;
  let session: ClientSession;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'telltale-sim-opcua-'));
    sim = await startSimulator({ run: false, assets: 2, opcua: { port: 0, pkiDir: join(dir, 'pki') } });
    client = OPCUAClient.create({ endpointMustExist: false, clientCertificateManager: clientCertificateManager(join(dir, 'client'), 'auto-accept') });
    await client.connect(sim.opcuaEndpoint!);
    session = await client.createSession();
  });
  afterAll(async () => {
    await session?.close().catch(() => {});
    await client?.disconnect();
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const read = async (nodeIds: string[]): Promise<unknown[]> =>
    (await session.read(nodeIds.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })))).map((d) => d.value.value);

  it('publishes every signal and the ground truth as ns=1;s=<asset>.<signal>, updated each tick', async () => {
    sim.step(5);
    const [flow, running, active] = await read(['ns=1;s=pump-2.flow', 'ns=1;s=pump-2.running', 'ns=1;s=pump-2.fault_active']);
    expect(flow).toBe(plantValue(sim.plant, 'pump-2', 'flow'));
    expect(running).toBe(true);
    expect(active).toBe(false);
    sim.injectFault('pump-2', 'valve-closing', { rampS: 0 });
    sim.step(50);
    const [flow2, active2, code2] = await read(['ns=1;s=pump-2.flow', 'ns=1;s=pump-2.fault_active', 'ns=1;s=pump-2.fault_code']);
    expect(flow2).toBe(plantValue(sim.plant, 'pump-2', 'flow'));
    expect(flow2 as number).toBeLessThan((flow as number) * 0.5);
    expect(active2).toBe(true);
    expect(code2).toBe(3);
  });

  it('generates a valid config that reads it over OPC UA instead of Modbus', () => {
    const config = validateConfig(sim.gatewayConfig({ protocols: ['opcua'] }));
    expect(config.devices).toHaveLength(1);
    expect(config.devices[0]).toMatchObject({ protocol: 'opcua', id: 'plant-opcua', endpoint: sim.opcuaEndpoint });
    expect(config.devices[0].tags).toHaveLength(2 * 11);
    expect(sim.devices({ protocols: ['modbus', 'opcua'] }).map((d) => d.protocol)).toEqual(['modbus-tcp', 'opcua']);
    expect(() => sim.gatewayConfig({ protocols: ['modbus', 'opcua'] })).toThrow('protocols must name exactly one of modbus, opcua');
  });
});
