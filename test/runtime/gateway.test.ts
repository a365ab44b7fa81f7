import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway } from '../../gateway/runtime/gateway.ts';
import { validateConfig } from '../../gateway/config/load.ts';
import { defaultFlow } from '../../gateway/host/default-flow.ts';
import { startSimulator, type Simulator } from '../../gateway/simulator/index.ts';
import { waitFor } from '../support/process.ts';
import { editorToken } from '../../gateway/host/security.ts';

type Health = { status: string; devices: { total: number; connected: number }; detail: { devices: { id: string; connected: boolean; samples: number }[] } };
/** /healthz lists the devices only for a caller with an API token (read from the environment when the API is built). */
const TOKEN = 'runtime-gateway-token';

const refused = (port: number) => new Promise<boolean>((resolve) => {
  const s = connect({ port, host: '127.0.0.1' });
  s.once('connect', () => { s.destroy(); resolve(false); });
  s.once('error', () => resolve(true));
});

describe('Gateway', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-gateway-'));
  let sim: Simulator;
  let gw: Gateway;

  beforeAll(async () => {
    process.env.TELLTALE_API_TOKENS = TOKEN;
    sim = await startSimulator({ host: '127.0.0.1' });
    const devices = sim.devices({ pollIntervalMs: 200 });
    const config = validateConfig({ gateway: { dataDir }, api: { port: 0 }, editor: { port: 0 }, devices });
    // The seeded flow names the YAML devices: its config nodes adopt them instead of opening second connections.
    gw = await Gateway.start({ config, seedFlow: () => defaultFlow(config.devices), nodeRedLogLevel: 'error' });
  });
  afterAll(async () => {
    await gw?.stop();
    await sim?.close();
    delete process.env.TELLTALE_API_TOKENS;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the configured devices and reports them once each on /healthz', async () => {
    const health = await waitFor(async () => {
      const body = (await (await fetch(`${gw.apiUrl}healthz`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as Health;
      return body.detail.devices[0]?.samples > 0 ? body : undefined;
    }, 30_000, 'samples');
    expect(health.detail.devices.map((d) => d.id)).toEqual(['plant']);
    expect(health.detail.devices[0].connected).toBe(true);
    expect(health.devices).toEqual({ total: 1, connected: 1 });
  });

  it('serves the editor with the seeded flow running on the same devices', async () => {
    // The editor asks for a login by default: this first start generated a password and reported it once.
    expect((await fetch(new URL('flows', gw.editorUrl))).status).toBe(401);
    const password = /Editor login: admin \/ (\S+)/.exec(gw.editorLogin ?? '')?.[1];
    const token = await editorToken(gw.editorUrl!, 'admin', password!);
    const res = await fetch(new URL('flows', gw.editorUrl), { headers: { 'Node-RED-API-Version': 'v2', authorization: `Bearer ${token}` } });
    const { flows } = (await res.json()) as { flows: { type: string; name?: string }[] };
    expect(flows.find((n) => n.type === 'modbus-device')?.name).toBe('plant');
    expect(flows.filter((n) => n.type === 'modbus-read').length).toBe(sim.plant.assets.length);
    expect(gw.registry.size).toBe(1);
  });

  it('stops Node-RED, the devices and the API, releasing the ports', async () => {
    const apiPort = Number(new URL(gw.apiUrl!).port);
    const editorPort = Number(new URL(gw.editorUrl!).port);
    await gw.stop();
    expect(gw.registry.size).toBe(0);
    expect(await refused(apiPort)).toBe(true);
    expect(await refused(editorPort)).toBe(true);
    expect(sim.stats().modbus.requests).toBeGreaterThan(0);
  });
});
