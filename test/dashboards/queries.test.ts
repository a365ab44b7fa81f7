/**
 * Every InfluxQL query of the dashboards (panels, annotations, variables) runs against a real influxd filled through
 * TsdbWriter/toTsdbRecords with messages in the shapes the flow nodes send, and returns rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARDS } from '../../dashboards/src/index.ts';
import { HEALTH_FIELDS } from '../../dashboards/src/gateway-health.ts';
import { TsdbWriter, resolveTsdbConfig, toTsdbRecords } from '../../gateway/outputs/influx/index.ts';
import { startInfluxd, type Influxd } from '../support/influxd.ts';

const DB = 'telltale';
const ASSETS = ['pump-1', 'pump-2'];
const STEP_MS = 10_000;
const SPAN_MS = 30 * 60_000;

interface NamedQuery { name: string; query: string }

/** Every query Grafana would send, with the template variables it would substitute. */
function dashboardQueries(): NamedQuery[] {
  const out: NamedQuery[] = [];
  for (const d of Object.values(DASHBOARDS)) {
    for (const p of d.panels ?? []) {
      for (const t of ('targets' in p ? p.targets : undefined) ?? []) out.push({ name: `${d.title} / ${p.title} / ${String(t.refId)}`, query: String(t.query) });
    }
    for (const a of d.annotations?.list ?? []) out.push({ name: `${d.title} / annotation ${a.name}`, query: String((a.target as Record<string, unknown> | undefined)?.query) });
    for (const v of d.templating?.list ?? []) out.push({ name: `${d.title} / variable $${v.name}`, query: String(v.query) });
  }
  return out;
}

function substitute(q: string, from: number, to: number): string {
  return q
    .replaceAll('$timeFilter', `time >= ${from}ms and time <= ${to}ms`)
    .replaceAll('$__interval_ms', '60000')
    .replaceAll('$__interval', '1m')
    .replaceAll('$asset', 'pump-1');
}

/** Half an hour of two pumps: sample batches (one tag bad), features + scores, an alert opened and closed, drift, health. */
function pipelineMessages(end: number): unknown[] {
  const msgs: unknown[] = [];
  let bytesIn = 0;
  for (let ts = end - SPAN_MS, i = 0; ts <= end; ts += STEP_MS, i++) {
    for (const [k, asset] of ASSETS.entries()) {
      const vib = 2 + k + Math.sin(i / 7);
      msgs.push({
        asset, device: 'plant', ts,
        values: { vibration_de: vib, motor_current: 40 + k, running: true, flow: null },
        quality: { vibration_de: { status: 'good' }, motor_current: { status: 'good' }, running: { status: 'good' }, flow: { status: 'bad', reason: 'timeout after 1000 ms' } },
      });
      msgs.push({ asset, ts, features: { vibration_de_rms: vib, vibration_de_kurtosis: 3 + Math.cos(i / 5) } });
      msgs.push({ asset, ts, score: 0.4 + 0.01 * i, rawScore: 0.5, threshold: 1.2, anomalous: false, contributions: [] });
    }
    bytesIn += 1200;
    msgs.push({ ts, component: 'gateway', metrics: Object.fromEntries(HEALTH_FIELDS.map((f) => [f, f === 'bytes_in' ? bytesIn : f === 'bytes_out' ? bytesIn / 10 : i + 1])) });
  }
  msgs.push({ kind: 'open', id: 'pump-1-1', asset: 'pump-1', ts: end - 10 * 60_000, score: 1.6, severity: 'warning', message: 'vibration_de high' });
  msgs.push({ kind: 'close', id: 'pump-1-1', asset: 'pump-1', ts: end - 5 * 60_000, score: 0.9, severity: 'warning', message: 'back to normal' });
  // anomaly-score's third output: a channel's drift statistic crossing its limit, then falling back.
  msgs.push({ kind: 'drift-start', asset: 'pump-1', channel: 'score', statistic: 'psi', value: 0.31, limit: 0.2, ts: end - 20 * 60_000 });
  msgs.push({ kind: 'drift-end', asset: 'pump-1', channel: 'score', statistic: 'psi', value: 0.12, limit: 0.2, ts: end - 8 * 60_000 });
  return msgs;
}

describe('dashboard queries against InfluxDB', () => {
  let influxd: Influxd;
  let dir: string;
  let from: number;
  let to: number;

  beforeAll(async () => {
    influxd = await startInfluxd();
    dir = mkdtempSync(join(tmpdir(), 'telltale-dash-'));
    const writer = new TsdbWriter({
      config: resolveTsdbConfig({ url: `${influxd.url}/${DB}`, batchSize: 5000, flushIntervalMs: 100 }),
      site: 'plant-a', gateway: 'gw-1', queuePath: join(dir, 'queue.sqlite'),
    });
    await writer.connect();
    to = Date.now();
    from = to - SPAN_MS - 60_000;
    for (const m of pipelineMessages(to - 1000)) await writer.write(toTsdbRecords(m));
    await writer.drain();
    await writer.close();
  });
  afterAll(async () => {
    await influxd?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const queries = dashboardQueries();

  it('finds the queries of every panel, annotation and variable', () => {
    expect(queries.length).toBeGreaterThanOrEqual(25);
    for (const q of queries) expect(q.query, q.name).toMatch(/^(SELECT|SHOW) /);
  });

  it('plots one line per tag in the asset tags panel, not the _good/_bad counts, and counts bad reads per tag', async () => {
    const byName = (suffix: string) => queries.find((q) => q.name.endsWith(suffix))!.query;
    const tags = await influxd.query(substitute(byName('asset detail / Tags / A'), from, to), DB);
    expect(tags.results[0].series!.map((s) => s.columns.slice(1))).toEqual([['mean_motor_current', 'mean_running', 'mean_vibration_de']]);
    const badReads = await influxd.query(substitute(byName('asset detail / Bad-quality readings / A'), from, to), DB);
    const s = badReads.results[0].series!;
    expect(s.map((x) => x.tags)).toEqual([{ device: 'plant', tag: 'flow' }]);
    expect(s[0].values[0].slice(1)).toEqual([SPAN_MS / STEP_MS + 1, 'timeout after 1000 ms']);
  });

  it.each(queries)('$name returns rows', async ({ query }) => {
    const res = await influxd.query(substitute(query, from, to), DB);
    const r = res.results[0];
    expect(r.error).toBeUndefined();
    const rows = (r.series ?? []).reduce((n, s) => n + s.values.filter((v) => v.slice(1).some((x) => x !== null)).length, 0);
    expect(rows).toBeGreaterThan(0);
  });
});
