/**
 * Issue 6's "gateway killed -9 mid-stream" through the real gateway: `telltale start` (bin/telltale.js, the built
 * dist/) with `tsdb:` and `uplink:` in its gateway.yaml, a modbus device on the plant simulator (its own process),
 * and a flow (inject every 20 ms → function → cloud-uplink without a broker, i.e. the gateway's own uplink and its
 * SQLite outbox) that emits alert `<RUN>-<n>`. Real mosquitto (persistent) and influxd. The broker is stopped and
 * restarted, then the gateway is killed -9 while the outbox drains and started again on the same data dir.
 * Counts are checked: every id left in the outbox at the kill arrives after the restart, run "a" arrives as
 * 0..M without a gap after dedupe by id, run "b" flows, samples keep reaching InfluxDB, RSS stays near the first run's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { MqttClient } from 'mqtt';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { startInfluxd, type Influxd } from '../support/influxd.ts';
import { freePort } from '../support/ports.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';
import { connectAlertReceiver } from './fixtures/alert-receiver.ts';
import { KIND_RP } from '../../gateway/outputs/influx/schema-setup.ts';

const node = join(process.cwd(), 'node_modules/.bin/node');
// The gateway as shipped (bin/telltale.js → dist/; its Node-RED nodes load from dist/nodes either way); the simulator
// from source (fixtures/cli.ts), so a rebuild by someone else while this runs can only hit the gateway's start.
const telltale = join(process.cwd(), 'bin/telltale.js');
const cliFromSource = join(process.cwd(), 'test/faults/fixtures/cli.ts');
const TOKEN = 'fault-suite-token';
const ASSET = 'k-pump';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The flow: alert `<RUN>-<n>` every 20 ms (n from 0 per start) into the gateway's uplink. */
function flows(): unknown[] {
  const func = [
    "const n = context.get('n') || 0;",
    "context.set('n', n + 1);",
    `msg.payload = { kind: 'open', id: env.get('RUN') + '-' + n, asset: '${ASSET}', ts: Date.now(), score: 1 };`,
    'return msg;',
  ].join('\n');
  return [
    { id: 'faults-tab', type: 'tab', label: 'faults' },
    { id: 'tick', type: 'inject', z: 'faults-tab', name: 'every 20 ms', props: [{ p: 'payload' }], repeat: '0.02', once: true, onceDelay: '0.1', payload: '', payloadType: 'date', wires: [['alert']] },
    { id: 'alert', type: 'function', z: 'faults-tab', name: 'alert <RUN>-<n>', func, outputs: 1, wires: [['up']] },
    { id: 'up', type: 'cloud-uplink', z: 'faults-tab', name: 'gateway uplink', broker: '', forward: '', wires: [] },
  ];
}

function gatewayYaml(dir: string, brokerUrl: string, influxUrl: string, modbusPort: number): string {
  return `gateway:
  id: gw-kill
  site: site-k
  dataDir: ${join(dir, 'data')}
  healthIntervalS: 1
api:
  host: 127.0.0.1
  port: 0
editor:
  enabled: true
  host: 127.0.0.1
  port: 0
  flowFile: ${join(dir, 'flows.json')}
devices:
  - id: sim
    protocol: modbus-tcp
    host: 127.0.0.1
    port: ${modbusPort}
    asset: ${ASSET}
    pollIntervalMs: 200
    tags:
      - { name: vibration_de, table: holding, address: 0, type: float32 }
      - { name: motor_current, table: holding, address: 6, type: float32 }
tsdb:
  url: ${influxUrl}/faults
  batchSize: 500
  flushIntervalMs: 200
uplink:
  url: ${brokerUrl}
  reconnectPeriodMs: 200
  inflightWindow: 2
  outbox:
    maxMessages: 100000
`;
}

/** The alert ids (payload alert.id) stored in an outbox file, read-only: what the killed gateway had not delivered. */
function outboxAlertIds(path: string): string[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare(`SELECT payload FROM outbox WHERE cls = 'alert' ORDER BY seq`).all() as { payload: string }[];
    return rows.map((r) => (JSON.parse(r.payload) as { alert: { id: string } }).alert.id);
  } finally {
    db.close();
  }
}

const apiUrl = (p: Spawned) => /API:\s+(http:\/\/\S+?)healthz/.exec(p.output())?.[1];

async function healthz(p: Spawned): Promise<string> {
  return ((await (await fetch(`${apiUrl(p)}healthz`)).json()) as { status: string }).status;
}

async function metrics(p: Spawned): Promise<Map<string, number>> {
  const res = await fetch(`${apiUrl(p)}metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (!res.ok) throw new Error(`/metrics: HTTP ${res.status}`);
  const out = new Map<string, number>();
  for (const m of (await res.text()).matchAll(/^(telltale_[a-z_]+) (\S+)$/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

describe('the real gateway killed -9 mid-stream', () => {
  let broker: Mosquitto;
  let influx: Influxd;
  let dir: string;
  let rx: MqttClient;
  let sim: Spawned;
  const alertIds: string[] = [];
  const running: Spawned[] = [];

  const startGateway = async (run: string): Promise<Spawned> => {
    const p = spawnPeer(node, [telltale, 'start', '--config', join(dir, 'gateway.yaml')], {
      env: { ...process.env, RUN: run, TELLTALE_API_TOKENS: TOKEN, ORT_DISABLE_TELEMETRY: '1' },
    });
    running.push(p);
    await waitFor(() => {
      if (p.child.exitCode !== null) throw new Error(`telltale start exited with ${p.child.exitCode}: ${p.output().slice(-3000)}`);
      return apiUrl(p);
    }, 60_000, `gateway run "${run}" to start`);
    return p;
  };
  const samplesStored = async (): Promise<number> => {
    const r = await influx.query(`SELECT count("_good") FROM "${KIND_RP.samples}"."samples" WHERE asset = '${ASSET}'`, 'faults');
    return Number(r.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
  };

  beforeAll(async () => {
    if (!existsSync(join(process.cwd(), 'dist/gateway/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` before the fault suite');
    [broker, influx] = await Promise.all([startMosquitto({ persistence: true }), startInfluxd()]);
    dir = mkdtempSync(join(tmpdir(), 'telltale-faults-gw-'));
    mkdirSync(join(dir, 'data'));
    const modbusPort = await freePort();
    sim = spawnPeer(node, [cliFromSource, 'simulate', '--no-opcua', '--assets', '1', '--rate', '10', '--modbus-port', String(modbusPort)]);
    running.push(sim);
    await waitFor(() => {
      if (sim.child.exitCode !== null) throw new Error(`telltale simulate exited with ${sim.child.exitCode}: ${sim.output().slice(-3000)}`);
      return sim.output().includes('Modbus TCP');
    }, 30_000, `the simulator on Modbus port ${modbusPort}`);
    writeFileSync(join(dir, 'gateway.yaml'), gatewayYaml(dir, broker.url, influx.url, modbusPort));
    writeFileSync(join(dir, 'flows.json'), JSON.stringify(flows(), null, 2));
    rx = await connectAlertReceiver(broker.url, 'rx-gw-kill', (id) => alertIds.push(id));
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await rx?.endAsync();
    await Promise.all([broker?.dispose(), influx?.dispose()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const received = (run: string, from = 0) => new Set(alertIds.slice(from).filter((id) => id.startsWith(`${run}-`)));

  it('delivers every alert once after dedupe through a broker outage and a kill -9, and keeps storing samples', async () => {
    const first = await startGateway('a');
    await waitFor(() => received('a').size >= 300, 60_000, '300 alerts of run "a" at the broker');
    const baseline = await metrics(first);
    await waitFor(async () => (await samplesStored()) > 0, 30_000, 'samples of the YAML device in InfluxDB');

    // Broker down: the flow keeps producing into the outbox.
    await broker.stop();
    const atStop = received('a').size;
    await sleep(3_000);
    expect(await healthz(first)).toBe('ok');
    await broker.restart();
    // Kill as soon as the backlog of the outage starts to drain: mid-stream, with messages still in the outbox.
    await waitFor(() => received('a').size > atStop + 20, 60_000, 'alerts flowing again after the broker restart');
    await first.kill9();
    const killedAt = alertIds.length;
    const left = outboxAlertIds(join(dir, 'data', 'queues', 'outbox.sqlite'));
    // What run "a" had stored durably at the kill: delivered, or still in the outbox.
    const producedA = Math.max(...[...received('a'), ...left].map((id) => Number(id.slice(2))));
    const samplesBefore = await samplesStored();
    expect(samplesBefore).toBeGreaterThan(0);
    expect(left.length).toBeGreaterThan(0);

    const second = await startGateway('b');
    // Every alert left in the outbox at the kill arrives from the restarted gateway (its flow keeps producing, so
    // the backlog itself need not touch 0 at a scrape).
    const notYet = () => { const got = new Set(alertIds.slice(killedAt)); return left.filter((id) => !got.has(id)); };
    let backlog: number | undefined;
    await waitFor(async () => {
      backlog = (await metrics(second)).get('telltale_outbox_backlog_messages');
      return notYet().length === 0;
    }, 60_000, () => `the restarted gateway to resend the ${left.length} alerts left in its outbox (still missing ${notYet().length}: ${notYet().slice(0, 5).join(', ')}…; backlog ${backlog}; output:\n${second.output().slice(-1500)})`);
    const after = new Set(alertIds.slice(killedAt));
    expect(left.filter((id) => !after.has(id))).toEqual([]);
    // And the backlog stays bounded while the flow goes on producing: it drains as fast as alerts come.
    await waitFor(async () => ((await metrics(second)).get('telltale_outbox_backlog_messages') ?? Infinity) < 50, 30_000, () => `a backlog under 50 (last ${backlog})`);

    const a = received('a');
    const maxA = Math.max(...[...a].map((id) => Number(id.slice(2))));
    // Alerts are produced and stored in order, so every id up to the highest received was produced: none may be missing.
    expect(maxA).toBeGreaterThanOrEqual(producedA);
    expect(a.size).toBe(maxA + 1);
    for (let n = 0; n <= maxA; n++) expect(a.has(`a-${n}`), `a-${n}`).toBe(true);
    await waitFor(() => received('b').size >= 100, 30_000, '100 alerts of run "b"');
    const b = received('b');
    for (let n = 0; n < b.size; n++) expect(b.has(`b-${n}`), `b-${n}`).toBe(true);

    await waitFor(async () => (await samplesStored()) > samplesBefore, 30_000, 'samples stored after the restart');
    expect(await healthz(second)).toBe('ok');
    const end = await metrics(second);
    const rss = end.get('telltale_process_resident_memory_bytes')!;
    expect(rss).toBeLessThan(baseline.get('telltale_process_resident_memory_bytes')! * 1.5);

    const runA = alertIds.filter((id) => id.startsWith('a-'));
    console.log(`gateway kill -9: run a produced ${maxA + 1} alerts (a-0..a-${maxA}), ${left.length} left in the outbox at the kill, `
      + `${alertIds.length - killedAt} alert messages received after it (${[...after].filter((id) => id.startsWith('a-')).length} of run a), `
      + `${runA.length - a.size} duplicates of run a before dedupe; run b ${b.size} alerts; samples ${samplesBefore} -> ${await samplesStored()}; `
      + `RSS ${(baseline.get('telltale_process_resident_memory_bytes')! / 2 ** 20).toFixed(0)} -> ${(rss / 2 ** 20).toFixed(0)} MiB`);
    await second.stop();
  });
});
