import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttributeIds, DataType, MessageSecurityMode, OPCUAClient, UserTokenType, type ClientSession } from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientCertificateManager } from '../../../gateway/acquisition/opcua/trust.ts';
import { startPlantOpcUaServer, type PlantOpcUaServer } from '../../../gateway/simulator/opcua-server/index.ts';

describe('startPlantOpcUaServer', () => {
  let server: PlantOpcUaServer;
  let dir: string;
  let client: OPCUAClient;
  let session: ClientSession;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'telltale-opcua-server-'));
    server = await startPlantOpcUaServer({
      host: '127.0.0.1',
      port: 0,
      pkiDir: join(dir, 'pki'),
      users: { operator: 'secret' },
      variables: [
        { asset: 'pump-1', name: 'pressure', unit: 'bar', initial: 3 },
        { asset: 'pump-1', name: 'running', initial: true },
        { asset: 'motor-1', name: 'current' },
      ],
    });
    client = OPCUAClient.create({ endpointMustExist: false, clientCertificateManager: clientCertificateManager(join(dir, 'client'), 'auto-accept') });
    await client.connect(server.endpointUrl);
    session = await client.createSession();
  });

  afterAll(async () => {
    await session?.close().catch(() => {});
    await client?.disconnect();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on the port it reports, with None and SignAndEncrypt/Basic256Sha256 endpoints, anonymous and user/password', async () => {
    expect(server.endpointUrl).toBe(`opc.tcp://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    const endpoints = await client.getEndpoints();
    const offered = endpoints.map((e) => `${MessageSecurityMode[e.securityMode]} ${e.securityPolicyUri?.split('#')[1]}`);
    expect(new Set(offered)).toEqual(new Set(['None None', 'SignAndEncrypt Basic256Sha256']));
    const tokens = new Set(endpoints.flatMap((e) => (e.userIdentityTokens ?? []).map((t) => UserTokenType[t.tokenType])));
    expect(tokens.has('Anonymous') && tokens.has('UserName')).toBe(true);
  });

  it('serves Double and Boolean variables at ns=1;s=<asset>.<name> with the values set and their source timestamps', async () => {
    const stamp = new Date('2026-03-04T05:06:07.000Z');
    server.set('pump-1', 'pressure', 4.75, stamp);
    server.set('pump-1', 'running', false);
    const [pressure, running, current] = await session.read(
      ['ns=1;s=pump-1.pressure', 'ns=1;s=pump-1.running', 'ns=1;s=motor-1.current'].map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })),
    );
    expect(pressure.value).toMatchObject({ dataType: DataType.Double, value: 4.75 });
    expect(pressure.sourceTimestamp?.toISOString()).toBe(stamp.toISOString());
    expect(running.value).toMatchObject({ dataType: DataType.Boolean, value: false });
    expect(current.value).toMatchObject({ dataType: DataType.Double, value: 0 });
  });

  it('refuses a wrong password and accepts the right one', async () => {
    await expect(client.createSession({ type: UserTokenType.UserName, userName: 'operator', password: 'guess' })).rejects.toThrow(/BadUserAccessDenied/);
    const s = await client.createSession({ type: UserTokenType.UserName, userName: 'operator', password: 'secret' });
    await s.close();
  });

  it('names the unknown signal in set and a signal declared twice', async () => {
    expect(() => server.set('pump-1', 'speed', 1)).toThrow('OPC UA server: no variable pump-1.speed');
    expect(() => server.set('pump-1', 'running', 1)).toThrow('OPC UA server: pump-1.running is Boolean, got number 1');
    await expect(
      startPlantOpcUaServer({ port: 0, variables: [{ asset: 'a', name: 'x' }, { asset: 'a', name: 'x' }] }),
    ).rejects.toThrow('OPC UA server: variable a.x declared twice');
  });

  it('names the port when it cannot listen', async () => {
    await expect(startPlantOpcUaServer({ host: '127.0.0.1', port: server.port, variables: [] })).rejects.toThrow(`OPC UA server on 127.0.0.1:${server.port}:`);
  });

  it('keeps its PKI under the given directory', () => {
    expect(readdirSync(join(dir, 'pki', 'server', 'own', 'certs')).some((f) => f.endsWith('.pem'))).toBe(true);
    expect(existsSync(join(dir, 'pki', 'user'))).toBe(true);
  });
});
