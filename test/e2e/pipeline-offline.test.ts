import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/ports.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';

// The built demo with no InfluxDB and no broker (--no-peers: not even its private ones): it runs, says once what is
// not stored or sent, prints no error line for that configuration it chose itself, and the outputs' env gates keep
// every message from failing in the output nodes.
const repo = fileURLToPath(new URL('../..', import.meta.url));

type Health = { detail: { devices: { id: string; samples: number }[] } };
/** /healthz lists the devices only for a caller with an API token. */
const TOKEN = 'e2e-offline-token';

describe('telltale demo pipeline without servers', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-offline-'));
  let demo: Spawned;
  let api: string;

  beforeAll(async () => {
    const [apiPort, editorPort, modbusPort, opcuaPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    api = `http://127.0.0.1:${apiPort}`;
    demo = spawnPeer(join(repo, 'node_modules/.bin/node'), [
      'bin/telltale.js', 'demo', '--api-port', String(apiPort), '--editor-port', String(editorPort), '--data-dir', dataDir,
      '--sim-modbus-port', String(modbusPort), '--sim-opcua-port', String(opcuaPort), '--poll-interval', '100', '--no-peers',
    ], { cwd: repo, env: { ...process.env, ORT_DISABLE_TELEMETRY: '1', TELLTALE_INFLUX_URL: '', TELLTALE_MQTT_URL: '', TELLTALE_API_TOKENS: TOKEN } });
  });
  afterAll(async () => {
    await demo?.stop(20_000);
    rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  it('says plainly that nothing is stored or sent', async () => {
    await waitFor(() => demo.output().includes('Press Ctrl+C to stop.'), 60_000, () => `the demo banner (output:\n${demo.output()})`);
    expect(demo.output()).toContain('InfluxDB:     none (--no-peers): samples, features and scores are not stored (--influx-url to use one)');
    expect(demo.output()).toContain('Cloud uplink: none (--no-peers): alerts and summaries are not sent (--mqtt-url to use one)');
  }, 90_000);

  it('keeps polling while messages stop at the output gates instead of failing in the output nodes', async () => {
    await waitFor(async () => {
      const body = (await (await fetch(`${api}/healthz`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as Health;
      return body.detail.devices.some((d) => d.samples > 2000);
    }, 60_000, `samples flowing (demo output:\n${demo.output()})`);
    const flow = JSON.parse(readFileSync(join(dataDir, 'flows.json'), 'utf8')) as { type: string; property?: string; propertyType?: string }[];
    const gates = flow.filter((n) => n.type === 'switch' && n.propertyType === 'env').map((n) => n.property).sort();
    expect(gates).toEqual(['TELLTALE_INFLUX_URL', 'TELLTALE_MQTT_URL']);
    expect(demo.output()).not.toMatch(/\[cloud-uplink:[^\]]*\] Error/);
    // No error line for the outputs the demo chose to run without (not one per message, not one at start).
    expect(demo.output().match(/\[influx-write:[^\]]*\] Error/g) ?? []).toEqual([]);
    expect(demo.output()).not.toMatch(/\[error\]/);
  }, 90_000);
});
