/**
 * Issue 10.2, "a full disk crashes the process", through the real gateway: `telltale start` (bin/telltale.js, the
 * built dist/) with its whole data dir (outbox, InfluxDB disk queue, Node-RED user dir) on a small tmpfs this test
 * mounts, `tsdb:` and `uplink:` in gateway.yaml, a Modbus device on the plant simulator, and a flow that emits alert
 * `<RUN>-<n>` every 50 ms into the gateway's uplink and its InfluxDB writer. Real Mosquitto and influxd. The disk is
 * filled to the last byte (after the SQLite WALs are checkpointed and truncated, so no pre-allocated space hides
 * the full disk) at the moment each sequence needs:
 *   1. summary timer (every 200 ms) while full;   2. the broker returns while full (PUBACK deletes fail);
 *   3. InfluxDB down while full (disk-queue pushes fail);   4. start on a full disk after a kill -9;
 *   5. space freed mid-outage (broker and InfluxDB down);   6. its stdout/stderr log file on the full disk.
 * Each asserts: the same PID stays alive and answers /healthz, /metrics shows telltale_disk_full 1 and the store's
 * state while full (and 0 after), the devices keep being read, and once space (and the peers) return every alert
 * the flow produced arrives: ids <RUN>-0..max without a gap after dedupe by id, max past what was produced while full.
 * Needs mount(8) as root; elsewhere the suite is skipped and says why.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { MqttClient } from 'mqtt';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { startInfluxd, type Influxd } from '../support/influxd.ts';
import { freePort } from '../support/ports.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';
import { mountSmallDisk, type SmallDisk } from './fixtures/small-disk.ts';

const node = join(process.cwd(), 'node_modules/.bin/node');
const cliFromSource = join(process.cwd(), 'test/faults/fixtures/cli.ts');
// The gateway as shipped (dist/); DISK_FULL_FROM_SOURCE=1 runs gateway/ from source instead (to try a change
// without a build; the Node-RED nodes still load from dist/nodes).
const telltale = process.env.DISK_FULL_FROM_SOURCE === '1' ? cliFromSource : join(process.cwd(), 'bin/telltale.js');
const TOKEN = 'disk-full-token';
const ASSET = 'df-pump';
const SITE = 'site-df';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const probe = mountSmallDisk('1m', 'telltale-df-probe-');
probe?.dispose();
if (!probe) console.warn('disk-full gateway faults skipped: cannot mount a tmpfs here (needs root)');

function flows(): unknown[] {
  const func = [
    "const n = context.get('n') || 0;",
    "context.set('n', n + 1);",
    `msg.payload = { kind: 'open', id: env.get('RUN') + '-' + n, asset: '${ASSET}', ts: Date.now(), score: 1 };`,
    'return msg;',
  ].join('\n');
  return [
    { id: 'df-tab', type: 'tab', label: 'disk full' },
    { id: 'tick', type: 'inject', z: 'df-tab', name: 'every 50 ms', props: [{ p: 'payload' }], repeat: '0.05', once: true, onceDelay: '0.1', payload: '', payloadType: 'date', wires: [['alert']] },
    { id: 'alert', type: 'function', z: 'df-tab', name: 'alert <RUN>-<n>', func, outputs: 1, wires: [['up', 'db']] },
    { id: 'up', type: 'cloud-uplink', z: 'df-tab', name: 'gateway uplink', broker: '', forward: '', wires: [] },
    { id: 'db', type: 'influx-write', z: 'df-tab', name: 'gateway influx', target: 'gateway', wires: [] },
  ];
}

function gatewayYaml(id: string, dataDir: string, flowFile: string, brokerUrl: string, influxUrl: string, modbusPort: number): string {
  return `gateway:
  id: ${id}
  site: ${SITE}
  dataDir: ${dataDir}
  healthIntervalS: 1
api:
  host: 127.0.0.1
  port: 0
editor:
  enabled: false
  flowFile: ${flowFile}
devices:
  - id: sim-${id}
    protocol: modbus-tcp
    host: 127.0.0.1
    port: ${modbusPort}
    asset: ${ASSET}
    pollIntervalMs: 200
    tags:
      - { name: vibration_de, table: holding, address: 0, type: float32 }
      - { name: motor_current, table: holding, address: 6, type: float32 }
tsdb:
  url: ${influxUrl}/diskfull
  batchSize: 200
  flushIntervalMs: 200
uplink:
  url: ${brokerUrl}
  reconnectPeriodMs: 200
  inflightWindow: 8
  summaryPeriodMs: 200
`;
}

const apiUrl = (p: Spawned) => /API:\s+(http:\/\/\S+?)healthz/.exec(p.output())?.[1];

/** /metrics as a map of `name{labels}` → value. */
async function metrics(p: Spawned): Promise<Map<string, number>> {
  const res = await fetch(`${apiUrl(p)}metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (!res.ok) throw new Error(`/metrics: HTTP ${res.status}`);
  const out = new Map<string, number>();
  for (const m of (await res.text()).matchAll(/^(telltale_[a-z_]+(?:\{[^}]*\})?) (\S+)$/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}
const samplesTotal = (m: Map<string, number>) => [...m].filter(([k]) => k.startsWith('telltale_samples_total{')).reduce((n, [, v]) => n + v, 0);
const state = (m: Map<string, number>, component: 'outbox' | 'tsdb_queue', s: string) => m.get(`telltale_storage_state{component="${component}",state="${s}"}`);

interface Healthz { status: string; components?: { name: string; state: string; memory: number; pendingDeletes: number }[] }
async function healthz(p: Spawned): Promise<Healthz> {
  const res = await fetch(`${apiUrl(p)}healthz`);
  if (res.status !== 200) throw new Error(`/healthz: HTTP ${res.status}`);
  return (await res.json()) as Healthz;
}
async function healthzOk(p: Spawned): Promise<boolean> {
  return (await healthz(p)).status === 'ok';
}
/** The state /healthz gives a store (no token needed). */
const storeState = async (p: Spawned, name: 'outbox' | 'tsdb_queue') => (await healthz(p)).components?.find((c) => c.name === name)?.state;

/** Checkpoints and truncates the SQLite WALs under the data dir (as SQLite does after a checkpoint), from a second connection. */
function truncateWals(dataDir: string): void {
  for (const f of ['outbox.sqlite', 'influx.sqlite']) {
    const path = join(dataDir, 'queues', f);
    if (!existsSync(path)) continue;
    const db = new DatabaseSync(path);
    try {
      db.exec('PRAGMA busy_timeout = 5000');
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
  }
}

describe.skipIf(!probe)('the real gateway on a full disk', () => {
  let broker: Mosquitto;
  let influx: Influxd;
  let sim: Spawned;
  let modbusPort: number;
  let rx: MqttClient;
  /** alert ids received per gateway id, duplicates included. */
  const received = new Map<string, string[]>();
  const running: Spawned[] = [];
  const down = { broker: false, influx: false };
  const peer = {
    broker: async (up: boolean) => { if (up) await broker.restart(); else await broker.stop(); down.broker = !up; },
    influx: async (up: boolean) => { if (up) await influx.restart(); else await influx.stop(); down.influx = !up; },
  };
  const disks: SmallDisk[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(process.cwd(), 'dist/gateway/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` before the fault suite');
    [broker, influx] = await Promise.all([startMosquitto({ persistence: true }), startInfluxd()]);
    modbusPort = await freePort();
    sim = spawnPeer(node, [cliFromSource, 'simulate', '--no-opcua', '--assets', '1', '--rate', '10', '--modbus-port', String(modbusPort)]);
    await waitFor(() => {
      if (sim.child.exitCode !== null) throw new Error(`telltale simulate exited with ${sim.child.exitCode}: ${sim.output().slice(-3000)}`);
      return sim.output().includes('Modbus TCP');
    }, 30_000, `the simulator on Modbus port ${modbusPort}`);
    rx = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'rx-disk-full', clean: false, reconnectPeriod: 200, properties: { sessionExpiryInterval: 3600 } });
    rx.on('message', (topic, payload) => {
      const m = /^telltale\/[^/]+\/([^/]+)\/alerts$/.exec(topic);
      if (!m) return;
      const list = received.get(m[1]!) ?? received.set(m[1]!, []).get(m[1]!)!;
      list.push((JSON.parse(payload.toString()) as { alert: { id: string } }).alert.id);
    });
    await rx.subscribeAsync('telltale/#', { qos: 1 });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
    for (const d of disks.splice(0)) d.dispose();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    // A failed sequence may leave a peer down: the next one starts with both up.
    if (down.broker) await peer.broker(true);
    if (down.influx) await peer.influx(true);
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await sim?.stop();
    await rx?.endAsync();
    await Promise.all([broker?.dispose(), influx?.dispose()]);
    for (const d of disks) d.dispose();
  });

  /** A fresh tmpfs data dir and config for gateway `id`. */
  const setup = (id: string, size = '32m') => {
    const disk = mountSmallDisk(size, `telltale-df-${id}-`)!;
    disks.push(disk);
    const dir = mkdtempSync(join(tmpdir(), `telltale-df-${id}-`));
    dirs.push(dir);
    const dataDir = join(disk.path, 'data');
    writeFileSync(join(dir, 'flows.json'), JSON.stringify(flows(), null, 2));
    writeFileSync(join(dir, 'gateway.yaml'), gatewayYaml(id, dataDir, join(dir, 'flows.json'), broker.url, influx.url, modbusPort));
    return { disk, dir, dataDir, config: join(dir, 'gateway.yaml') };
  };
  const start = async (config: string, run: string): Promise<Spawned> => {
    const p = spawnPeer(node, [telltale, 'start', '--config', config], { env: { ...process.env, RUN: run, TELLTALE_API_TOKENS: TOKEN, ORT_DISABLE_TELEMETRY: '1' } });
    running.push(p);
    await waitFor(() => {
      if (p.child.exitCode !== null) throw new Error(`telltale start exited with ${p.child.exitCode}: ${p.output().slice(-3000)}`);
      return apiUrl(p);
    }, 60_000, `gateway run "${run}" to start`);
    return p;
  };
  const ids = (gw: string, run: string) => new Set((received.get(gw) ?? []).filter((id) => id.startsWith(`${run}-`)));
  const maxId = (set: Set<string>) => Math.max(-1, ...[...set].map((id) => Number(id.slice(id.lastIndexOf('-') + 1))));
  /** Every id run-0..max arrived (alerts are produced in order, so a gap is a loss). */
  const expectContiguous = (gw: string, run: string) => {
    const got = ids(gw, run);
    const max = maxId(got);
    const missing = Array.from({ length: max + 1 }, (_, n) => `${run}-${n}`).filter((id) => !got.has(id));
    expect(missing, `${gw}: missing alerts of run ${run}`).toEqual([]);
    return max;
  };
  const alive = async (p: Spawned, pid: number) => {
    expect(p.child.exitCode, p.output().slice(-3000)).toBeNull();
    expect(p.child.pid).toBe(pid);
    expect(await healthzOk(p)).toBe(true);
  };
  /** Fills the disk; waits until the gateway says so in /metrics (the store's state and telltale_disk_full). */
  const fillAndWait = async (p: Spawned, disk: SmallDisk, dataDir: string, component: 'outbox' | 'tsdb_queue') => {
    truncateWals(dataDir);
    disk.fill();
    const m = await waitFor(async () => {
      const m = await metrics(p);
      return m.get('telltale_disk_full') === 1 && state(m, component, 'disk-full') === 1 ? m : undefined;
    }, 30_000, () => `telltale_disk_full 1 and ${component} disk-full (output: ${p.output().slice(-1500)})`);
    expect(await storeState(p, component)).toBe('disk-full');
    return m;
  };
  const freeAndWait = async (p: Spawned, disk: SmallDisk) => {
    disk.free();
    await waitFor(async () => {
      const m = await metrics(p);
      return m.get('telltale_disk_full') === 0 && m.get('telltale_memory_buffered{component="outbox"}') === 0 && m.get('telltale_memory_buffered{component="tsdb_queue"}') === 0;
    }, 30_000, () => `telltale_disk_full 0 and empty memory buffers after freeing the disk (output: ${p.output().slice(-1500)})`);
    expect((await healthz(p)).components?.map((c) => `${c.name}:${c.state}`)).toEqual(['outbox:ok', 'tsdb_queue:ok']);
  };
  const alertsInInflux = async (gw: string, run: string): Promise<Set<string>> => {
    const r = await influx.query(`SELECT alert_id FROM "summaries"."alerts" WHERE "gateway" = '${gw}'`, 'diskfull');
    return new Set((r.results[0]?.series?.[0]?.values ?? []).map((v) => String(v[1])).filter((id) => id.startsWith(`${run}-`)));
  };

  it('1. summary timer while full (broker up): stays up, reports disk-full, keeps reading devices, sends alerts from memory; every alert arrives', async () => {
    const { disk, dataDir, config } = setup('gw-df1');
    const p = await start(config, 'a');
    const pid = p.child.pid!;
    await waitFor(() => ids('gw-df1', 'a').size >= 20, 60_000, '20 alerts before the disk fills');
    const m0 = await fillAndWait(p, disk, dataDir, 'outbox');
    const before = maxId(ids('gw-df1', 'a'));
    // 5 s full: 25 summary periods, 5 health points, ~100 alerts through memory.
    await sleep(5_000);
    await alive(p, pid);
    const m1 = await metrics(p);
    expect(m1.get('telltale_disk_full')).toBe(1);
    expect(samplesTotal(m1)).toBeGreaterThan(samplesTotal(m0)); // still acquiring
    // The broker is up: what the outbox cannot store is sent from memory while the disk is still full.
    const sentWhileFull = maxId(ids('gw-df1', 'a')) - before;
    expect(sentWhileFull).toBeGreaterThan(50);
    expect(m1.get('telltale_memory_buffered{component="outbox"}')).toBeLessThan(20);
    await freeAndWait(p, disk);
    await sleep(1_000);
    const max = await waitFor(() => { const n = maxId(ids('gw-df1', 'a')); return n > before + 50 ? n : undefined; }, 30_000, 'the alerts produced while full');
    expectContiguous('gw-df1', 'a');
    expect(p.output()).not.toMatch(/refused/);
    await alive(p, pid);
    console.log(`disk-full 1 (summary timer): ${sentWhileFull} alerts sent from memory during 5 s full; ${max + 1} alerts a-0..a-${max} delivered, ${(received.get('gw-df1') ?? []).length - ids('gw-df1', 'a').size} duplicates; ${m1.get('telltale_memory_buffered{component="outbox"}')} in memory at the 5 s look; memory drops ${JSON.stringify([...m1].filter(([k, v]) => k.startsWith('telltale_memory_buffer_dropped_total') && v > 0))}`);
  });

  it('2. broker returns while full: the backlog is delivered while full, failed PUBACK deletes retried after, no crash', async () => {
    const { disk, dataDir, config } = setup('gw-df2');
    const p = await start(config, 'a');
    const pid = p.child.pid!;
    await waitFor(() => ids('gw-df2', 'a').size >= 10, 60_000, '10 alerts before the outage');
    await peer.broker(false);
    await sleep(3_000); // ~60 alerts into the outbox on disk
    await fillAndWait(p, disk, dataDir, 'outbox');
    const onDisk = new DatabaseSync(join(dataDir, 'queues', 'outbox.sqlite'), { readOnly: true });
    const stored = (onDisk.prepare(`SELECT count(*) AS n FROM outbox WHERE cls = 'alert'`).get() as { n: number }).n;
    onDisk.close();
    expect(stored).toBeGreaterThan(30);
    await peer.broker(true);
    // The disk backlog goes out while the disk is still full; its deletes fail and wait.
    const m = await waitFor(async () => {
      const m = await metrics(p);
      return (m.get('telltale_storage_pending_deletes{component="outbox"}') ?? 0) > 0 ? m : undefined;
    }, 30_000, 'PUBACK deletes pending on the full disk');
    expect(m.get('telltale_disk_full')).toBe(1);
    await sleep(3_000);
    await alive(p, pid);
    const whileFull = ids('gw-df2', 'a').size;
    await freeAndWait(p, disk);
    await waitFor(async () => (await metrics(p)).get('telltale_storage_pending_deletes{component="outbox"}') === 0, 20_000, 'the pending deletes done');
    const before = whileFull;
    await waitFor(() => ids('gw-df2', 'a').size > before + 40, 30_000, 'the alerts produced while full');
    const max = expectContiguous('gw-df2', 'a');
    await alive(p, pid);
    const all = received.get('gw-df2')!.filter((id) => id.startsWith('a-'));
    console.log(`disk-full 2 (broker back while full): ${stored} alerts on disk at the fill, ${m.get('telltale_storage_pending_deletes{component="outbox"}')} deletes pending at the first look, ${max + 1} alerts a-0..a-${max} delivered, ${all.length - ids('gw-df2', 'a').size} duplicates`);
  });

  it('3. InfluxDB down while full: disk-queue pushes fail into memory, no crash; every alert reaches InfluxDB and the broker', async () => {
    const { disk, dataDir, config } = setup('gw-df3');
    const p = await start(config, 'a');
    const pid = p.child.pid!;
    await waitFor(async () => (await alertsInInflux('gw-df3', 'a')).size >= 10, 60_000, '10 alerts in InfluxDB');
    await peer.influx(false);
    await sleep(2_000); // batches into the disk queue
    const m0 = await fillAndWait(p, disk, dataDir, 'tsdb_queue');
    await sleep(4_000);
    await alive(p, pid);
    const m1 = await metrics(p);
    expect(m1.get('telltale_disk_full')).toBe(1);
    expect(m1.get('telltale_memory_buffered{component="tsdb_queue"}')).toBeGreaterThan(0);
    expect(m1.get('telltale_tsdb_connected')).toBe(0);
    expect(samplesTotal(m1)).toBeGreaterThan(samplesTotal(m0));
    await freeAndWait(p, disk);
    await peer.influx(true);
    const atBroker = maxId(ids('gw-df3', 'a'));
    await waitFor(async () => {
      const got = await alertsInInflux('gw-df3', 'a');
      return maxId(got) >= atBroker && got.size === maxId(got) + 1;
    }, 60_000, `alerts a-0..a-${atBroker} in InfluxDB`);
    const inflx = await alertsInInflux('gw-df3', 'a');
    expect(maxId(inflx)).toBeGreaterThan(60);
    expectContiguous('gw-df3', 'a');
    await alive(p, pid);
    const dropped = [...m1].filter(([k, v]) => k.startsWith('telltale_memory_buffer_dropped_total{component="tsdb_queue"') && v > 0);
    expect(dropped).toEqual([]); // the bound (100 k values) was never reached
    console.log(`disk-full 3 (InfluxDB down while full): ${m1.get('telltale_memory_buffered{component="tsdb_queue"}')} points held in memory after 4 s full, ${inflx.size} alerts a-0..a-${maxId(inflx)} in InfluxDB, ${ids('gw-df3', 'a').size} at the broker`);
  });

  it('4. start on a full disk after a kill -9: comes up, no crash loop, runs from memory; the disk backlog and the new alerts arrive once space returns', async () => {
    const { disk, dataDir, config } = setup('gw-df4');
    const first = await start(config, 'a');
    await waitFor(() => ids('gw-df4', 'a').size >= 10, 60_000, '10 alerts of run a');
    await peer.broker(false);
    await sleep(2_000);
    await first.kill9();
    const onDisk = new DatabaseSync(join(dataDir, 'queues', 'outbox.sqlite'), { readOnly: true });
    const left = (onDisk.prepare(`SELECT payload FROM outbox WHERE cls = 'alert'`).all() as { payload: string }[]).map((r) => (JSON.parse(r.payload) as { alert: { id: string } }).alert.id);
    onDisk.close();
    expect(left.length).toBeGreaterThan(10);
    truncateWals(dataDir);
    disk.fill();
    const p = await start(config, 'b');
    const pid = p.child.pid!;
    let last: Map<string, number> | undefined;
    await waitFor(async () => (last = await metrics(p)).get('telltale_disk_full') === 1, 30_000, () => `disk-full at start (metrics ${JSON.stringify([...(last ?? [])].filter(([k]) => /disk|storage|memory_buf|outbox/.test(k)))}; output ${p.output().slice(-2000)})`);
    await sleep(3_000);
    await alive(p, pid);
    await peer.broker(true);
    // The outbox file cannot even be opened (SQLite cannot create its -shm on the full disk): the gateway runs on
    // from memory and tries again every second.
    await sleep(3_000);
    await alive(p, pid);
    const m = await metrics(p);
    expect(m.get('telltale_disk_full')).toBe(1);
    expect(state(m, 'outbox', 'disk-full')).toBe(1);
    expect(m.get('telltale_memory_buffered{component="outbox"}')).toBeGreaterThan(50);
    await freeAndWait(p, disk);
    // What run a left on disk, then what run b held in memory.
    await waitFor(() => left.every((id) => ids('gw-df4', 'a').has(id)), 30_000, () => `the ${left.length} alerts run a left in the outbox`);
    const aMax = expectContiguous('gw-df4', 'a');
    await waitFor(() => maxId(ids('gw-df4', 'b')) > 150, 30_000, 'run b alerts produced while full');
    const bMax = expectContiguous('gw-df4', 'b');
    await alive(p, pid);
    console.log(`disk-full 4 (start on a full disk): run a ${aMax + 1} alerts (${left.length} left in the outbox at the kill) delivered; the restarted gateway stayed up (pid ${pid}) with ${m.get('telltale_memory_buffered{component="outbox"}')} messages in memory after 6 s; run b ${bMax + 1} alerts b-0..b-${bMax} delivered after space returned, ${(received.get('gw-df4') ?? []).length - ids('gw-df4', 'a').size - ids('gw-df4', 'b').size} duplicates`);
  });

  it('5. space freed mid-outage: memory moves to disk, disk-full clears; after the peers return every accepted alert arrives and the health points show disk_full 1 then 0', async () => {
    const { disk, dataDir, config } = setup('gw-df5');
    const p = await start(config, 'a');
    const pid = p.child.pid!;
    await waitFor(() => ids('gw-df5', 'a').size >= 10, 60_000, '10 alerts before the outage');
    await Promise.all([peer.broker(false), peer.influx(false)]);
    await sleep(1_000);
    await fillAndWait(p, disk, dataDir, 'outbox');
    await waitFor(async () => state(await metrics(p), 'tsdb_queue', 'disk-full') === 1, 30_000, 'tsdb_queue disk-full');
    await sleep(3_000);
    await alive(p, pid);
    const mFull = await metrics(p);
    const heldAlerts = mFull.get('telltale_memory_buffered{component="outbox"}')!;
    expect(heldAlerts).toBeGreaterThan(40);
    await freeAndWait(p, disk); // both peers still down: the memory buffers go to disk
    await sleep(2_000);
    await alive(p, pid);
    await Promise.all([peer.broker(true), peer.influx(true)]);
    await waitFor(() => maxId(ids('gw-df5', 'a')) > heldAlerts + 20, 30_000, 'alerts flowing after the outage');
    const max = expectContiguous('gw-df5', 'a');
    await waitFor(async () => {
      const got = await alertsInInflux('gw-df5', 'a');
      return maxId(got) >= max && got.size === maxId(got) + 1;
    }, 60_000, `alerts a-0..a-${max} in InfluxDB`);
    // The gateway's own health points, kept through the outage, show the full disk and its end.
    const r = await influx.query(`SELECT disk_full FROM "raw"."health" WHERE "gateway" = 'gw-df5'`, 'diskfull');
    const flags = (r.results[0]?.series?.[0]?.values ?? []).map((v) => Number(v[1]));
    const first1 = flags.indexOf(1);
    expect(first1).toBeGreaterThanOrEqual(0);
    expect(flags.slice(first1).indexOf(0)).toBeGreaterThan(0);
    await alive(p, pid);
    const all = received.get('gw-df5')!;
    console.log(`disk-full 5 (space freed mid-outage): ${heldAlerts} messages in memory at the peak, ${max + 1} alerts a-0..a-${max} delivered to the broker and InfluxDB, ${all.length - ids('gw-df5', 'a').size} duplicates; health disk_full ${flags.filter((f) => f === 1).length}×1 then ${flags.slice(first1).filter((f) => f === 0).length}×0`);
  });

  it('6. its log file on the full disk: stdout/stderr writes fail with ENOSPC, the process stays up, logging resumes after space returns', async () => {
    const { disk, dataDir, config } = setup('gw-df6');
    const log = join(disk.path, 'telltale.log');
    const fd = openSync(log, 'a');
    const child = spawn(node, [telltale, 'start', '--config', config], { stdio: ['ignore', fd, fd], env: { ...process.env, RUN: 'a', TELLTALE_API_TOKENS: TOKEN, ORT_DISABLE_TELEMETRY: '1' } });
    closeSync(fd);
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const p: Spawned = {
      child,
      output: () => readFileSync(log, 'utf8'),
      stop: async () => { if (child.exitCode === null && child.signalCode === null) { child.kill('SIGTERM'); const t = setTimeout(() => child.kill('SIGKILL'), 5000); await exited; clearTimeout(t); } },
      kill9: async () => { if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exited; } },
    };
    running.push(p);
    await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`telltale start exited with ${child.exitCode}: ${p.output().slice(-3000)}`);
      return apiUrl(p);
    }, 60_000, 'the gateway to start');
    const pid = child.pid!;
    await waitFor(() => ids('gw-df6', 'a').size >= 10, 60_000, '10 alerts');
    // The outage and the full disk are both logged: those lines meet ENOSPC on stdout/stderr.
    await peer.broker(false);
    // Pad the log to a whole page first: else the next lines fit in its last page and need no new block.
    appendFileSync(log, '#'.repeat(4095 - (statSync(log).size % 4096)) + '\n');
    await fillAndWait(p, disk, dataDir, 'outbox');
    const sizeFull = statSync(log).size;
    await sleep(3_000);
    await alive(p, pid);
    await freeAndWait(p, disk);
    await peer.broker(true);
    await waitFor(() => maxId(ids('gw-df6', 'a')) > 150, 30_000, 'the alerts produced while full');
    const max = expectContiguous('gw-df6', 'a');
    await alive(p, pid);
    // Logging goes on once space is back (the recovery is said in the log).
    await waitFor(() => /writable again/.test(p.output().slice(sizeFull)), 20_000, 'the recovery line in the log file');
    // The lines lost meanwhile are counted in the gateway's health points.
    const lost = await waitFor(async () => {
      const r = await influx.query(`SELECT max(log_write_errors) FROM "raw"."health" WHERE "gateway" = 'gw-df6'`, 'diskfull');
      return Number(r.results[0]?.series?.[0]?.values?.[0]?.[1] ?? 0);
    }, 20_000, 'log_write_errors > 0 in the health points');
    // And in /metrics, the same count.
    expect((await metrics(p)).get('telltale_log_write_errors_total')).toBeGreaterThanOrEqual(lost);
    console.log(`disk-full 6 (log file on the full disk): stayed up (pid ${pid}); ${max + 1} alerts a-0..a-${max} delivered; ${lost} log lines lost while full; log ${sizeFull} bytes at the fill, ${statSync(log).size} after`);
  });
});
