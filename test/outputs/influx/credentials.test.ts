/**
 * InfluxDB credentials from the URL and from TELLTALE_INFLUX_USERNAME / _PASSWORD, against a real influxd with
 * authentication on. A variable set to '' counts as unset (compose passes `${VAR:-}`), so the URL's credentials
 * still apply; a set variable wins over the URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxd, type Influxd } from '../../support/influxd.ts';
import { waitFor } from '../../support/process.ts';
import { GOOD } from '../../../gateway/core/sample.ts';
import { TsdbWriter, parseInfluxUrl, resolveTsdbConfig } from '../../../gateway/outputs/influx/index.ts';

const USER = 'writer';
const PASS = 'w-pass-7';

describe('InfluxDB credentials', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-influx-cred-'));
  let influxd: Influxd;
  const saved = { u: process.env.TELLTALE_INFLUX_USERNAME, p: process.env.TELLTALE_INFLUX_PASSWORD };
  beforeAll(async () => { influxd = await startInfluxd({ auth: { username: USER, password: PASS } }); });
  afterAll(async () => {
    process.env.TELLTALE_INFLUX_USERNAME = saved.u;
    process.env.TELLTALE_INFLUX_PASSWORD = saved.p;
    if (saved.u === undefined) delete process.env.TELLTALE_INFLUX_USERNAME;
    if (saved.p === undefined) delete process.env.TELLTALE_INFLUX_PASSWORD;
    await influxd?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses user-info from the URL; an empty variable does not replace it, a set one does', () => {
    const url = `http://${USER}:${encodeURIComponent(PASS)}@127.0.0.1:8086/db`;
    expect(parseInfluxUrl(url, undefined, { TELLTALE_INFLUX_USERNAME: '', TELLTALE_INFLUX_PASSWORD: '' })).toMatchObject({ username: USER, password: PASS });
    expect(parseInfluxUrl(url, undefined, { TELLTALE_INFLUX_PASSWORD: 'other' })).toMatchObject({ username: USER, password: 'other' });
  });

  it('writes with the URL\'s credentials while TELLTALE_INFLUX_USERNAME/PASSWORD are set to the empty string', async () => {
    process.env.TELLTALE_INFLUX_USERNAME = '';
    process.env.TELLTALE_INFLUX_PASSWORD = '';
    const port = new URL(influxd.url).port;
    const errors: string[] = [];
    const w = new TsdbWriter({
      config: resolveTsdbConfig({ url: `http://${USER}:${PASS}@127.0.0.1:${port}/cred_db`, flushIntervalMs: 50, requestTimeoutMs: 2000 }),
      site: 's', gateway: 'g', queuePath: join(dir, 'q.sqlite'), onError: (e) => errors.push(e.message),
    });
    await w.connect();
    await w.write([{ kind: 'samples', batch: { device: 'd', asset: 'a', ts: Date.now(), values: { x: 1.5 }, quality: { x: GOOD } } }]);
    const rows = await waitFor(async () => {
      const r = await influxd.query('SELECT "x" FROM raw.samples', 'cred_db');
      return r.results[0]?.series?.[0]?.values;
    }, 20_000, () => `the sample in cred_db (errors: ${errors.join(' | ')}; writer: ${JSON.stringify(w.metrics())})`);
    expect(rows.map((r) => r[1])).toEqual([1.5]);
    await w.close();
  });
});
