import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxd, type Influxd } from '../../support/influxd.ts';
import { waitFor } from '../../support/process.ts';
import { GOOD, bad, type SampleBatch } from '../../../gateway/core/sample.ts';
import { TsdbWriter, continuousQueries, resolveTsdbConfig } from '../../../gateway/outputs/influx/index.ts';

// Recent timestamps: InfluxDB drops points older than the 7d raw retention policy.
const T0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
const batch = (i: number, asset = 'pump-1'): SampleBatch => ({
  device: 'plc-1',
  asset,
  ts: T0 + i * 10,
  values: { pressure: i, running: true, fault: null },
  quality: { pressure: GOOD, running: GOOD, fault: bad('illegal data address', 'modbus-exception-2') },
});

async function count(influxd: Influxd, db: string, q: string): Promise<number> {
  const r = await influxd.query(q, db);
  const v = r.results[0]?.series?.[0]?.values?.[0]?.[1];
  return typeof v === 'number' ? v : 0;
}

describe('TsdbWriter', () => {
  let influxd: Influxd;
  let dir: string;
  beforeAll(async () => {
    influxd = await startInfluxd();
    dir = mkdtempSync(join(tmpdir(), 'telltale-tsdb-'));
  });
  afterAll(async () => {
    await influxd?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const writer = (db: string, extra: object = {}) =>
    new TsdbWriter({
      config: resolveTsdbConfig({ url: `${influxd.url}/${db}`, batchSize: 200, flushIntervalMs: 50, requestTimeoutMs: 2000, ...extra }),
      site: 'plant-a',
      gateway: 'gw-1',
      queuePath: join(dir, `${db}.sqlite`),
    });

  it('creates the database, retention policies and continuous queries at start-up', async () => {
    const w = writer('schema_db');
    await w.connect();
    const rps = await influxd.query('SHOW RETENTION POLICIES ON schema_db');
    const rows = rps.results[0].series![0].values.map((v) => [v[0], v[1], v[4]]);
    expect(rows).toContainEqual(['raw', '168h0m0s', true]);
    expect(rows).toContainEqual(['summaries', '8760h0m0s', false]);
    const cqs = await influxd.query('SHOW CONTINUOUS QUERIES');
    const names = cqs.results[0].series!.find((s) => s.name === 'schema_db')!.values.map((v) => v[0]);
    expect(names).toEqual(expect.arrayContaining(['cq_samples_1m', 'cq_scores_1m', 'cq_features_1m']));
    await w.close();
  });

  it('writes samples, features, scores, alerts and health that can be queried back with their tags and timestamps', async () => {
    const w = writer('land_db');
    await w.connect();
    await w.write([
      { kind: 'samples', batch: batch(1) },
      { kind: 'features', asset: 'pump-1', ts: T0 + 500, features: { rms: 1.5, kurtosis: 3.1, bogus: Number.NaN } },
      { kind: 'scores', asset: 'pump-1', ts: T0 + 500, score: 0.82, model: 'pca-v1' },
      { kind: 'alerts', asset: 'pump-1', ts: T0 + 600, alertId: 'a-1', state: 'open', severity: 'major', score: 0.9, message: 'bearing wear' },
      { kind: 'health', ts: T0 + 700, metrics: { cpu: 0.3, queue: 0 } },
    ]);
    await w.drain();
    const s = await influxd.query(`SELECT * FROM raw.samples WHERE asset = 'pump-1'`, 'land_db');
    const cols = s.results[0].series![0].columns;
    expect(s.results[0].series![0].values).toHaveLength(1);
    const row = s.results[0].series![0].values[0];
    expect(row[cols.indexOf('time')]).toBe(T0 + 10);
    expect(row[cols.indexOf('pressure')]).toBe(1);
    expect(row[cols.indexOf('running')]).toBe(1);
    expect(row[cols.indexOf('_good')]).toBe(2);
    expect(row[cols.indexOf('_bad')]).toBe(1);
    expect(row[cols.indexOf('site')]).toBe('plant-a');
    expect(row[cols.indexOf('device')]).toBe('plc-1');
    expect(cols).not.toContain('fault');
    const badRow = await influxd.query(`SELECT reason, quality, device FROM raw.sample_quality WHERE asset = 'pump-1' AND "tag" = 'fault'`, 'land_db');
    expect(badRow.results[0].series![0].values[0].slice(1)).toEqual(['illegal data address', 'bad', 'plc-1']);
    expect(await count(influxd, 'land_db', 'SELECT count(score) FROM raw.scores')).toBe(1);
    expect(await count(influxd, 'land_db', 'SELECT count(rms) FROM raw.features')).toBe(1);
    expect(await count(influxd, 'land_db', `SELECT count(alert_id) FROM summaries.alerts WHERE "state" = 'open'`)).toBe(1);
    expect(await count(influxd, 'land_db', 'SELECT count(cpu) FROM raw.health')).toBe(1);
    expect(w.metrics()).toMatchObject({ connected: true, pointsQueued: 0, pointsRejected: 0 });
    await w.close();
  });

  it('stores a batch of 100 values as one samples point whose fields read back equal', async () => {
    const w = writer('wide_db');
    await w.connect();
    const values: Record<string, number | boolean | string> = {};
    const quality: SampleBatch['quality'] = {};
    for (let k = 0; k < 97; k++) { values[`t${k}`] = k * 1.5 - 20; quality[`t${k}`] = GOOD; }
    Object.assign(values, { on: true, off: false, mode: 'auto' });
    Object.assign(quality, { on: GOOD, off: GOOD, mode: GOOD });
    await w.write([{ kind: 'samples', batch: { device: 'plc-7', asset: 'press-1', ts: T0 + 5, values, quality } }]);
    await w.drain();
    const r = await influxd.query(`SELECT * FROM raw.samples WHERE asset = 'press-1'`, 'wide_db');
    const series = r.results[0].series!;
    expect(series).toHaveLength(1);
    expect(series[0].values).toHaveLength(1);
    const row = Object.fromEntries(series[0].columns.map((c, i) => [c, series[0].values[0][i]]));
    for (let k = 0; k < 97; k++) expect(row[`t${k}`]).toBe(k * 1.5 - 20);
    expect([row.on, row.off, row.mode, row._good, row._bad]).toEqual([1, 0, 'auto', 100, 0]);
    expect(w.metrics()).toMatchObject({ pointsWritten: 1, valuesWritten: 102 });
    await w.close();
  });

  it('cuts writes at 100 k values as well as at batchSize points, so wide points stay under influxd\'s body limit', async () => {
    const w = writer('cut_db', { batchSize: 5000, flushIntervalMs: 60_000 });
    await w.connect();
    const values: Record<string, number> = {};
    const quality: SampleBatch['quality'] = {};
    for (let k = 0; k < 100; k++) { values[`t${k}`] = k; quality[`t${k}`] = GOOD; }
    for (let i = 0; i < 2500; i++) await w.write([{ kind: 'samples', batch: { device: 'plc-1', asset: 'wide-1', ts: T0 + i, values, quality } }]);
    await w.drain(60_000);
    // 102 values a point: a write is cut once it holds ≥ 100,000 values, at 981 points.
    expect(w.metrics()).toMatchObject({ pointsWritten: 2500, valuesWritten: 255_000, batchesWritten: 3, pointsQueued: 0 });
    expect(await count(influxd, 'cut_db', 'SELECT count(t99) FROM raw.samples')).toBe(2500);
    await w.close();
  });

  it('stores each bad value in sample_quality with its reason, and a tag that changes type as text without failing the batch', async () => {
    const errors: string[] = [];
    const w = new TsdbWriter({
      config: resolveTsdbConfig({ url: `${influxd.url}/mixed_db`, batchSize: 200, flushIntervalMs: 50 }),
      site: 'plant-a', gateway: 'gw-1', queuePath: join(dir, 'mixed_db.sqlite'), onError: (e) => errors.push(e.message),
    });
    await w.connect();
    const b = (i: number, level: number | string, extra: Partial<SampleBatch> = {}): SampleBatch => ({
      device: 'plc-1', asset: 'tank-1', ts: T0 + i, values: { level, temp: 20 + i, valve: null, _good: 5 },
      quality: { level: GOOD, temp: GOOD, valve: bad('timeout after 300 ms'), _good: GOOD }, ...extra,
    });
    await w.write([{ kind: 'samples', batch: b(1, 1.25) }]);
    await w.drain();
    // Same shard, other type: InfluxDB would refuse the point (and with it every value of the batch).
    await w.write([{ kind: 'samples', batch: b(2, 'OVERFLOW') }, { kind: 'samples', batch: b(3, 2.5) }]);
    await w.drain();
    const r = await influxd.query(`SELECT level, level__text, temp, "_t._good", _good, _bad FROM raw.samples WHERE asset = 'tank-1'`, 'mixed_db');
    expect(r.results[0].series![0].values.map((v) => v.slice(1))).toEqual([
      [1.25, null, 21, 5, 3, 1],
      [null, 'OVERFLOW', 22, 5, 3, 1],
      [2.5, null, 23, 5, 3, 1],
    ]);
    const q = await influxd.query(`SELECT reason FROM raw.sample_quality WHERE asset = 'tank-1' AND "tag" = 'valve' AND quality = 'bad'`, 'mixed_db');
    expect(q.results[0].series![0].values.map((v) => v[1])).toEqual(Array(3).fill('timeout after 300 ms'));
    expect(w.metrics()).toMatchObject({ pointsRejected: 0, samplesAsText: 1 });
    expect(errors).toEqual(['tsdb mixed_db: samples field "level" holds numbers; string values of that tag are stored as text in "level__text"']);
    await w.close();

    // A new writer learns the field types InfluxDB holds, so the guard survives a restart.
    const again = writer('mixed_db');
    await again.connect();
    await again.write([{ kind: 'samples', batch: b(4, 'UNDERFLOW') }]);
    await again.drain();
    expect(again.metrics()).toMatchObject({ pointsRejected: 0, samplesAsText: 1 });
    await again.close();
  });

  it('summarises samples per minute with mean_/min_/max_/count_<tag> through the continuous query', async () => {
    const w = writer('cq_db');
    await w.connect();
    const minute = Math.floor(T0 / 60_000) * 60_000;
    for (let i = 0; i < 4; i++) {
      await w.write([{ kind: 'samples', batch: { device: 'plc-1', asset: 'fan-1', ts: minute + i * 1000, values: { speed: i, mode: 'run' }, quality: { speed: GOOD, mode: GOOD } } }]);
    }
    await w.drain();
    // The continuous query's own statement, run once over that minute (the CQ itself only runs on the clock).
    const cq = continuousQueries('cq_db', '1m').cq_samples_1m.replace(' GROUP BY', ` WHERE time >= ${minute}ms AND time < ${minute + 60_000}ms GROUP BY`);
    expect((await influxd.query(cq, 'cq_db')).results[0].error).toBeUndefined();
    const r = await influxd.query('SELECT * FROM summaries.samples_1m', 'cq_db');
    const s = r.results[0].series![0];
    const row = Object.fromEntries(s.columns.map((c, i) => [c, s.values[0][i]]));
    expect(row).toMatchObject({ asset: 'fan-1', device: 'plc-1', mean_speed: 1.5, min_speed: 0, max_speed: 3, count_speed: 4, count_mode: 4, mean__good: 2 });
    expect(s.columns).not.toContain('mean_mode');
    await w.close();
  });

  it('loses nothing when influxd is killed -9 and restarted mid-stream', async () => {
    const w = writer('crash_db');
    await w.connect();
    const total = 3000;
    let sawQueue = false;
    for (let i = 0; i < total; i++) {
      await w.write([{ kind: 'samples', batch: { ...batch(i), values: { pressure: i }, quality: { pressure: GOOD } } }]);
      if (i === 1000) await influxd.kill9();
      if (i > 1000 && i < 2000 && i % 100 === 0) {
        await new Promise((r) => setTimeout(r, 20));
        if (w.metrics().batchesQueued > 0) sawQueue = true;
      }
      if (i === 2000) await influxd.restart();
    }
    await w.drain(60_000);
    expect(sawQueue).toBe(true);
    await waitFor(async () => (await count(influxd, 'crash_db', 'SELECT count(pressure) FROM raw.samples')) === total, 20_000, `${total} points in crash_db`);
    const r = await influxd.query('SELECT pressure FROM raw.samples', 'crash_db');
    const values = r.results[0].series![0].values.map((v) => v[1]);
    expect(new Set(values).size).toBe(total);
    expect(w.metrics().pointsDropped.samples).toBe(0);
    await w.close();
  });

  it('keeps queued batches on disk when closed while InfluxDB is down and writes them after the next start', async () => {
    await influxd.stop();
    const w1 = writer('later_db');
    await w1.connect();
    await w1.write([{ kind: 'scores', asset: 'pump-2', ts: T0, score: 0.5 }]);
    await w1.close();
    await influxd.restart();
    const w2 = writer('later_db');
    await w2.connect();
    await w2.drain();
    expect(await count(influxd, 'later_db', 'SELECT count(score) FROM raw.scores')).toBe(1);
    await w2.close();
  });

  it('when its disk queue is full drops raw samples, counts them, and still delivers every alert', async () => {
    await influxd.stop();
    // The bound counts stored values: each sample point here holds 3 (pressure, _good, _bad), each alert 2.
    const w = writer('full_db', { queue: { maxPoints: 500 }, batchSize: 100 });
    await w.connect();
    for (let i = 0; i < 20; i++) {
      await w.write(Array.from({ length: 50 }, (_, k) => ({ kind: 'samples' as const, batch: { ...batch(i * 50 + k), values: { pressure: k }, quality: { pressure: GOOD } } })));
      await w.write([{ kind: 'alerts', asset: 'pump-1', ts: T0 + i, alertId: `full-${i}`, state: 'open' }]);
      w.flush();
    }
    const m = w.metrics();
    expect(m.pointsDropped.samples).toBeGreaterThan(0);
    expect(m.pointsDropped.alerts).toBe(0);
    await influxd.restart();
    await w.drain(60_000);
    expect(await count(influxd, 'full_db', 'SELECT count(alert_id) FROM summaries.alerts')).toBe(20);
    const samples = await count(influxd, 'full_db', 'SELECT count(pressure) FROM raw.samples');
    expect(samples + w.metrics().pointsDropped.samples).toBe(1000);
    await w.close();
  });

  it('says once per outage that InfluxDB is unavailable, naming the database', async () => {
    const errors: string[] = [];
    const w = new TsdbWriter({
      config: resolveTsdbConfig({ url: 'http://127.0.0.1:1/gone_db', flushIntervalMs: 20, requestTimeoutMs: 500 }),
      site: 's', gateway: 'g', queuePath: join(dir, 'gone.sqlite'), onError: (e) => errors.push(e.message),
    });
    await w.connect();
    for (let i = 0; i < 3; i++) {
      await w.write([{ kind: 'scores', asset: 'p', ts: T0, score: i, threshold: 1 }]);
      w.flush();
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^tsdb gone_db: InfluxDB unavailable \(.*ECONNREFUSED.*\)/);
    expect(w.metrics()).toMatchObject({ connected: false, pointsQueued: 3, valuesQueued: 6 }); // score + threshold per point
    await w.close();
  });

  it('rejects a malformed url with a precise error', () => {
    expect(() => writer('x', { url: 'influx:/nowhere' })).toThrow(/influx url: expected http or https/);
    expect(() => resolveTsdbConfig({ batchSize: 0 })).toThrow(/tsdb\.batchSize/);
  });
});
