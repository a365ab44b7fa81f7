/**
 * The stock Node-RED peer of `telltale bench --peer` (not a benchmark: no timing asserted): the generated flow's
 * shape, and a few seconds of the real thing (stock Node-RED in a child process, the simulator child, a real
 * influxd) with values read and feature points in InfluxDB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPeerFlow, runPeerStep } from '../../gateway/bench/peer-nodered.ts';
import { startInfluxd, type Influxd } from '../support/influxd.ts';

const influx = { host: '127.0.0.1', port: 8086, database: 'peer' };

describe('buildPeerFlow', () => {
  it('reads every asset as 50-value blocks of 100 registers, on one modbus-client or one per reader', () => {
    const shared = buildPeerFlow({ assets: 3, tagsPerAsset: 100, rate: 10, simPort: 5020, influx, variant: 'shared' });
    const reads = shared.flow.filter((n) => n.type === 'modbus-read');
    expect(shared).toMatchObject({ readers: 6, clients: 1, window: 5 });
    expect(reads.map((r) => [r.topic, r.adr, r.quantity, r.rate, r.rateUnit])).toEqual([
      ['asset-1/0', '0', '100', '100', 'ms'], ['asset-1/1', '100', '100', '100', 'ms'],
      ['asset-2/0', '300', '100', '100', 'ms'], ['asset-2/1', '400', '100', '100', 'ms'],
      ['asset-3/0', '600', '100', '100', 'ms'], ['asset-3/1', '700', '100', '100', 'ms'],
    ]);
    expect(new Set(reads.map((r) => r.server))).toEqual(new Set(['mb-client']));
    const perReader = buildPeerFlow({ assets: 3, tagsPerAsset: 100, rate: 10, simPort: 5020, influx, variant: 'per-reader' });
    const clients = perReader.flow.filter((n) => n.type === 'modbus-client');
    expect(clients).toHaveLength(6);
    expect(new Set(perReader.flow.filter((n) => n.type === 'modbus-read').map((r) => r.server)).size).toBe(6);
    // Node-RED takes a property equal to a node id for a reference: a client named like its id "depends on itself".
    for (const c of clients) expect(c.name).not.toBe(c.id);
    expect(perReader.flow.filter((n) => n.type === 'modbus-queue-info')).toHaveLength(6);
  });
});

describe('runPeerStep', () => {
  let influxd: Influxd;
  beforeAll(async () => { influxd = await startInfluxd(); }, 30_000);
  afterAll(async () => { await influxd?.dispose(); });

  it('runs stock Node-RED against the simulator: values counted, features in InfluxDB, CPU and RSS of the child', async () => {
    const r = await runPeerStep({ tags: 100, rate: 10, tagsPerAsset: 100 }, { influxUrl: influxd.url, seconds: 3, variant: 'shared' });
    expect(r).toMatchObject({ step: '100x10', variant: 'shared', readers: 2, clients: 1, targetValuesPerS: 1000 });
    expect(r.valuesPerS).toBeGreaterThan(0);
    expect(r.influxFeatureValuesPerS).toBeGreaterThan(0);
    expect(r.cpuPct).toBeGreaterThan(0);
    expect(r.rssMaxMB).toBeGreaterThan(30);
    expect(Number.isFinite(r.dataAgeP99Ms)).toBe(true);
    expect(['ok', 'behind', 'behind, silent']).toContain(r.status);
    // The points themselves: one per reader window, a mean and a std field per tag of the block.
    const res = await influxd.query('SELECT * FROM features LIMIT 1', 'peer_100x10_shared');
    const series = res.results[0].series![0];
    expect(series.columns).toEqual(expect.arrayContaining(['asset', 'tag_001_mean', 'tag_001_std', 'tag_100_mean', 'tag_100_std']));
    const row = Object.fromEntries(series.columns.map((c, i) => [c, series.values[0][i]]));
    const std = row.tag_001_std ?? row.tag_100_std;
    expect(typeof std).toBe('number');
    expect(std as number).toBeGreaterThanOrEqual(0);
  }, 60_000);
});
