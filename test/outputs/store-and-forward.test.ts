import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startInfluxd, type Influxd } from '../support/influxd.ts';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { waitFor } from '../support/process.ts';
import { storeAndForward } from '../../gateway/outputs/store-and-forward.ts';
import { resolveTsdbConfig } from '../../gateway/outputs/influx/config.ts';
import { resolveUplinkConfig } from '../../gateway/uplink/config.ts';

describe('storeAndForward', () => {
  let influxd: Influxd;
  let broker: Mosquitto;
  let dir: string;
  beforeAll(async () => {
    [influxd, broker] = await Promise.all([startInfluxd(), startMosquitto()]);
    dir = mkdtempSync(join(tmpdir(), 'telltale-saf-'));
  });
  afterAll(async () => {
    await Promise.all([influxd?.dispose(), broker?.dispose()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('does say plainly what is not connected when nothing is configured', async () => {
    const saf = storeAndForward({ gateway: { id: 'g', site: 's', dataDir: dir } });
    expect(saf.describe()).toEqual([
      'tsdb: not configured — samples, features and scores are not stored locally',
      'uplink: not configured — alerts and summaries are not sent to the cloud',
    ]);
    await saf.start();
    await saf.accept({ asset: 'p', ts: 1, score: 1 });
    await saf.stop();
  });

  it('does store an alert in InfluxDB and send it to the broker, and a raw batch only to InfluxDB', async () => {
    const rx = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    const topics: string[] = [];
    rx.on('message', (t) => topics.push(t));
    await rx.subscribeAsync('telltale/#', { qos: 1 });
    const saf = storeAndForward({
      gateway: { id: 'gw-saf', site: 'site-saf', dataDir: dir },
      tsdb: resolveTsdbConfig({ url: `${influxd.url}/saf`, flushIntervalMs: 50 }),
      uplink: resolveUplinkConfig({ url: broker.url }),
    });
    expect(saf.describe()[0]).toMatch(/^tsdb: InfluxDB http:\/\/127\.0\.0\.1:\d+\/saf database saf/);
    expect(saf.describe()[1]).toMatch(/^uplink: MQTT mqtt:\/\/127\.0\.0\.1:\d+ topics telltale\/site-saf\/gw-saf\/…/);
    await saf.start();
    const ts = Date.now();
    await saf.accept({ asset: 'p', ts, values: { flow: 1 }, quality: { flow: { status: 'good' } } });
    await saf.accept({ kind: 'open', id: 'a1', asset: 'p', ts, score: 0.9 });
    await saf.tsdb!.drain();
    await saf.uplink!.drain();
    await waitFor(() => topics.includes('telltale/site-saf/gw-saf/alerts'), 10_000, 'the alert at the broker');
    const r = await influxd.query('SELECT count(alert_id) FROM summaries.alerts', 'saf');
    expect(r.results[0].series?.[0].values[0][1]).toBe(1);
    expect(topics.filter((t) => !t.endsWith('/status'))).toEqual(['telltale/site-saf/gw-saf/alerts']);
    await saf.stop();
    await rx.endAsync();
  });
});
