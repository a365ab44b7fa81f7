import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeOpcUa } from '../../../gateway/acquisition/opcua/probe.ts';
import { startPlantOpcUaServer, type PlantOpcUaServer } from '../../../gateway/simulator/opcua-server/index.ts';
import { PLANT } from './fixtures.ts';

describe('probeOpcUa', () => {
  let server: PlantOpcUaServer;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'telltale-opcua-probe-'));
    // A read limit below the number of variables makes the probe chunk its reads.
    server = await startPlantOpcUaServer({
      host: '127.0.0.1',
      port: 0,
      variables: PLANT,
      users: { operator: 'secret' },
      pkiDir: join(dir, 'server'),
      operationLimits: { maxNodesPerRead: 3 },
    });
    server.set('pump-1', 'pressure', 4.5);
  });

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function probe(opts: Parameters<typeof probeOpcUa>[1]): Promise<string[]> {
    const lines: string[] = [];
    await probeOpcUa(server.endpointUrl, { pkiDir: join(dir, 'client'), ...opts }, (l) => lines.push(l));
    return lines;
  }

  it('lists the asset folders and their variables with data type and value', async () => {
    const lines = await probe({});
    expect(lines[0]).toBe('ns=0;i=85  Objects');
    expect(lines).toContain('  ns=1;s=pump-1  1:pump-1  Object');
    expect(lines).toContain('  ns=1;s=motor-1  1:motor-1  Object');
    expect(lines).toContain('    ns=1;s=pump-1.pressure  1:pressure  Variable  Double  = 4.5');
    expect(lines).toContain('    ns=1;s=pump-1.running  1:running  Variable  Boolean  = true');
    expect(lines.filter((l) => l.includes('ns=1;s=wide.t'))).toHaveLength(12);
    // The standard Server object is listed, not descended into.
    expect(lines).toContain('  ns=0;i=2253  Server  Object');
    expect(lines.some((l) => l.includes('ServerStatus'))).toBe(false);
  });

  it('browses below a given node to a given depth, showing engineering units', async () => {
    const lines = await probe({ node: 'ns=1;s=pump-1', depth: 2 });
    expect(lines[0]).toBe('ns=1;s=pump-1');
    expect(lines.find((l) => l.includes('pump-1.pressure-EngineeringUnits'))).toMatch(/= bar \(/);
    expect(lines.find((l) => l.includes('pump-1.pressure-EURange'))).toMatch(/= 0 \.\. 10$/);
  });

  it('reads given node ids over SignAndEncrypt as a user, marking unknown ones', async () => {
    const lines = await probe({
      read: ['ns=1;s=pump-1.pressure', 'ns=1;s=pump-1.nothing'],
      securityMode: 'SignAndEncrypt',
      username: 'operator',
      password: 'secret',
    });
    expect(lines).toEqual(['ns=1;s=pump-1.pressure = 4.5', 'ns=1;s=pump-1.nothing = <BadNodeIdUnknown>']);
  });

  it('rejects bad options and a wrong password with precise errors', async () => {
    await expect(probe({ securityMode: 'Encrypt' })).rejects.toThrow('probe: securityMode "Encrypt" is not one of None, Sign, SignAndEncrypt');
    await expect(probe({ read: ['pump-1.pressure'] })).rejects.toThrow('probe: "pump-1.pressure" is not a node id');
    await expect(probe({ username: 'operator', password: 'nope' })).rejects.toThrow(
      `probe: ${server.endpointUrl} refused login as "operator": wrong username or password (BadUserAccessDenied)`,
    );
  });
});
