import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/ports.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';
import { editorToken } from '../../gateway/host/security.ts';

// Runs the built CLI (the CI test command builds before vitest), exactly as `npm run demo` does.
const repo = fileURLToPath(new URL('../..', import.meta.url));

type Health = { status: string; devices: { total: number; connected: number }; detail: { devices: { id: string; protocol: string; connected: boolean; samples: number }[] } };
/** /healthz lists the devices only for a caller with an API token. */
const TOKEN = 'e2e-demo-token';

describe('telltale demo', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-demo-'));
  let demo: Spawned;
  let api: string;
  let editor: string;

  beforeAll(async () => {
    const [apiPort, editorPort, modbusPort, opcuaPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    api = `http://127.0.0.1:${apiPort}`;
    editor = `http://127.0.0.1:${editorPort}`;
    demo = spawnPeer(join(repo, 'node_modules/.bin/node'), [
      'bin/telltale.js', 'demo', '--api-port', String(apiPort), '--editor-port', String(editorPort), '--data-dir', dataDir,
      '--sim-modbus-port', String(modbusPort), '--sim-opcua-port', String(opcuaPort),
    ], {
      cwd: repo,
      // As on a machine without Debian's influxdb and mosquitto packages (demo-first-run.test.ts runs them).
      env: { ...process.env, ORT_DISABLE_TELEMETRY: '1', TELLTALE_API_TOKENS: TOKEN, TELLTALE_DEMO_INFLUXD: '/nonexistent/influxd', TELLTALE_DEMO_MOSQUITTO: '/nonexistent/mosquitto', TELLTALE_INFLUX_URL: '', TELLTALE_MQTT_URL: '' },
    });
  });
  afterAll(async () => {
    await demo?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reports samples flowing from the simulated devices on /healthz', async () => {
    const health = await waitFor(async () => {
      const res = await fetch(`${api}/healthz`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const body = (await res.json()) as Health;
      return body.detail.devices.length >= 2 && body.detail.devices.every((d) => d.connected && d.samples > 0) ? body : undefined;
    }, 60_000, `devices reporting samples (demo output:\n${demo.output()})`);
    expect(health.status).toBe('ok');
    expect(health.detail.devices.map((d) => d.protocol).sort()).toEqual(['modbus-tcp', 'opcua']);
    expect(health.devices).toEqual({ total: 2, connected: 2 });
  });

  it('prints where the editor and the API are, and the editor login it generated', () => {
    expect(demo.output()).toContain(`Flow editor:  ${editor}/`);
    expect(demo.output()).toMatch(/Editor login: admin \/ \S{16} +\(generated now and shown once/);
    expect(demo.output()).toContain(`API:          ${api}/healthz`);
    // The token the caller set is used (and not printed), not a generated one.
    expect(demo.output()).toContain('API token:    from TELLTALE_API_TOKENS / TELLTALE_API_TOKENS_FILE');
  });

  it('without influxd and mosquitto says in one line how to get them, and prints no error for the URLs it left empty', async () => {
    await waitFor(() => demo.output().includes('First good sample'), 30_000, () => `the first sample (output:\n${demo.output()})`);
    // Give influx-write and mqtt-cloud the time to start and (wrongly) complain about their empty URLs.
    await new Promise((r) => setTimeout(r, 2000));
    const out = demo.output();
    expect(out).toContain('Servers:      /nonexistent/influxd and /nonexistent/mosquitto not installed: `sudo apt-get install influxdb mosquitto` and start again to store and send (running without)');
    expect(out).toContain('InfluxDB:     none: samples, features and scores are not stored');
    expect(out).toContain('Cloud uplink: none: alerts and summaries are not sent');
    expect(out).not.toMatch(/error|NOT CONNECTED/i);
  });

  it('serves the Node-RED editor with the seeded flow of our nodes', async () => {
    const page = await fetch(`${editor}/`);
    expect(page.status).toBe(200);
    const flows = JSON.parse(readFileSync(join(dataDir, 'flows.json'), 'utf8')) as { type: string }[];
    expect(flows.filter((n) => n.type === 'modbus-read').length).toBeGreaterThanOrEqual(3);
    expect(flows.filter((n) => n.type === 'opcua-subscribe')).toHaveLength(1);
  });

  it('shows live samples from our nodes in the editor\'s debug sidebar', async () => {
    // The editor's own channel (Node-RED comms websocket): what the user sees in the debug sidebar.
    // The editor asks for a login: the password the demo printed, exchanged for a token as the login form does.
    const password = /Editor login: admin \/ (\S+)/.exec(demo.output())?.[1];
    const token = await editorToken(`${editor}/`, 'admin', password!);
    const ws = new WebSocket(`${editor.replace('http', 'ws')}/comms`);
    const debug = new Promise<{ topic: string; msg: string }>((resolve, reject) => {
      ws.onerror = () => reject(new Error('comms websocket failed'));
      ws.onmessage = (ev) => {
        const data = JSON.parse(String(ev.data)) as unknown;
        if (!Array.isArray(data)) {
          if ((data as { auth?: string }).auth === 'ok') ws.send(JSON.stringify({ subscribe: 'debug' }));
          else reject(new Error(`comms login: ${String(ev.data)}`));
          return;
        }
        for (const m of data as { topic: string; data: { name?: string; topic?: string; msg: string } }[]) {
          if (m.topic === 'debug' && m.data.name === 'samples' && m.data.msg.includes('"good"')) resolve({ topic: m.data.topic ?? '', msg: m.data.msg });
        }
      };
    });
    ws.onopen = () => ws.send(JSON.stringify({ auth: token }));
    try {
      const seen = await debug;
      const payload = JSON.parse(seen.msg) as { asset: string; values: Record<string, unknown> };
      expect(seen.topic).toBe(payload.asset);
      expect(Object.values(payload.values).some((v) => typeof v === 'number')).toBe(true);
    } finally {
      ws.close();
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    await demo.stop(20_000);
    expect(demo.child.signalCode).toBeNull();
    expect(demo.child.exitCode).toBe(0);
  });
});
