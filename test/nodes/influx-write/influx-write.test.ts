import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import influxWrite from '../../../nodes/influx-write/influx-write.ts';
import { startInfluxd, type Influxd } from '../../support/influxd.ts';
import { waitFor } from '../../support/process.ts';
import { helper, initHelper } from '../helper.ts';

describe('influx-write', () => {
  initHelper();
  const made: string[] = [];
  let influxd: Influxd;
  beforeAll(async () => {
    influxd = await startInfluxd();
    await helper.startServer();
  });
  afterEach(() => helper.unload());
  afterAll(async () => {
    // Without a Node-RED user dir the queues go to <tmp>/queues: remove ours.
    for (const id of made) for (const ext of ['', '-wal', '-shm']) rmSync(join(tmpdir(), 'queues', `influx-${id}.sqlite${ext}`), { force: true });
    await helper.stopServer();
    await influxd?.dispose();
  });

  // A fresh id per test: the queue file is named after the node.
  const flow = (extra: object = {}) => {
    const id = `iw-${randomUUID()}`;
    made.push(id);
    return { id, nodes: [{ id, type: 'influx-write', url: influxd.url, db: 'nodes_db', site: 'plant-n', gateway: 'gw-n', batchSize: 100, flushIntervalMs: 50, ...extra }] };
  };
  const statuses = (n: { status: { args: [{ fill?: string; text?: string }][] } }) => n.status.args.map(([s]) => s);

  it('does write sample batches, scores and alerts and show "connected, 0 queued"', async () => {
    const { id, nodes } = flow();
    await helper.load([influxWrite], nodes, { [id]: { user: '', password: '' } });
    const n = helper.getNode(id);
    const ts = Date.now() - 1000;
    n.receive({ payload: { asset: 'pump-9', ts, values: { flow: 12.5 }, quality: { flow: { status: 'good' } } } });
    n.receive({ payload: { asset: 'pump-9', ts, score: 0.7 } });
    n.receive({ payload: { kind: 'open', id: 'al-9', asset: 'pump-9', ts, score: 0.95 } });
    await waitFor(async () => {
      const r = await influxd.query(`SELECT count(flow) FROM raw.samples WHERE asset = 'pump-9'`, 'nodes_db');
      return r.results[0].series?.[0].values[0][1] === 1;
    }, 10_000, 'the sample in InfluxDB');
    // Each kind is its own write (its own retention policy): wait for the alert's too.
    const alerts = await waitFor(async () => {
      const r = await influxd.query(`SELECT alert_id FROM summaries.alerts`, 'nodes_db');
      return r.results[0].series?.[0].values;
    }, 10_000, 'the alert in InfluxDB');
    expect(alerts.map((v) => v[1])).toEqual(['al-9']);
    await waitFor(() => statuses(n).some((s) => s.text === 'connected, 0 queued' && s.fill === 'green'), 5000, 'green status');
  });

  it('does report a payload it cannot store to done(err) without crashing', async () => {
    const { id, nodes } = flow();
    await helper.load([influxWrite], nodes);
    const n = helper.getNode(id);
    const err = new Promise<unknown>((resolve) => n.on('call:error', (call: { args: unknown[] }) => resolve(call.args[0])));
    n.receive({ payload: { asset: 'p', ts: 'later', values: {} } });
    expect(String(await err)).toMatch(/samples of "p": payload\.ts must be a number/);
  });

  it('does show a red ring with the queue size while InfluxDB is down', async () => {
    const { id, nodes } = flow({ url: 'http://127.0.0.1:1', db: 'nowhere' });
    await helper.load([influxWrite], nodes);
    const n = helper.getNode(id);
    n.receive({ payload: { asset: 'p', ts: Date.now(), score: 1 } });
    await waitFor(() => statuses(n).some((s) => s.fill === 'red' && s.text === 'offline, 1 queued'), 10_000, 'red status with 1 queued');
  });

  it('does refuse a bad URL with a red status and a precise error', async () => {
    const { id, nodes } = flow({ url: 'ftp://x' });
    await helper.load([influxWrite], nodes);
    const n = helper.getNode(id);
    expect(statuses(n).some((s) => s.fill === 'red')).toBe(true);
    const logged = helper.log().args.filter(([e]) => e.level === 20 && e.id === id).map(([e]) => String(e.msg));
    expect(logged.join('\n')).toMatch(/influx url: expected http or https/);
  });
});
