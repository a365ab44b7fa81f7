/**
 * One scripted run of the store-and-forward outputs through their outages, with real mosquitto and influxd and
 * the gateway stand-in (fixtures/gateway-driver.ts) in its own process: broker stopped and restarted, gateway
 * kill -9 mid-stream and restarted on the same data dir, influxd kill -9 and restarted, (disk-full on the
 * outbox: see BENCHMARKS.md, Fault injection). Counts are checked: after dedupe by id, every alert produced reached the broker.
 * The gateway kill -9 case also runs through the real `telltale start` (flow → gateway uplink outbox): gateway.fault.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { startInfluxd, type Influxd } from '../support/influxd.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';
import { connectAlertReceiver } from './fixtures/alert-receiver.ts';
import { KIND_RP } from '../../gateway/outputs/influx/schema-setup.ts';

const node = join(process.cwd(), 'node_modules/.bin/node');
const driverPath = join(process.cwd(), 'test/faults/fixtures/gateway-driver.ts');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const produced = (p: Spawned) => [...p.output().matchAll(/^produced (\d+)$/gm)].length;

interface Health { status: string; rss: number; handles: number; produced: number }
async function healthz(p: Spawned): Promise<Health> {
  const port = /healthz (\d+)/.exec(p.output())![1];
  return (await fetch(`http://127.0.0.1:${port}/healthz`)).json() as Promise<Health>;
}

describe('store-and-forward under faults', () => {
  let broker: Mosquitto;
  let influx: Influxd;
  let dir: string;
  let rx: MqttClient;
  const alertIds: string[] = [];
  const running: Spawned[] = [];
  const driver = (dataDir: string, prefix: string, count: number) => {
    const p = spawnPeer(node, [driverPath, broker.url, influx.url, dataDir, prefix, String(count)]);
    running.push(p);
    return p;
  };
  beforeAll(async () => {
    [broker, influx] = await Promise.all([startMosquitto({ persistence: true }), startInfluxd()]);
    dir = mkdtempSync(join(tmpdir(), 'telltale-faults-'));
    rx = await connectAlertReceiver(broker.url, 'rx-faults', (id) => alertIds.push(id));
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await rx?.endAsync();
    await Promise.all([broker?.dispose(), influx?.dispose()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const received = (prefix: string) => new Set(alertIds.filter((id) => id.startsWith(`${prefix}-`)));
  const upTo = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

  it('loses no alert through a broker outage and a gateway kill -9 mid-stream', async () => {
    const data = join(dir, 'gw');
    const first = driver(data, 'a', 1_000_000);
    await waitFor(() => produced(first) >= 300, 30_000, '300 alerts produced');
    const baseline = await healthz(first);
    await broker.stop();
    await sleep(2_000);
    expect((await healthz(first)).status).toBe('ok');
    await broker.restart();
    await waitFor(() => received('a').size > 400, 30_000, 'alerts flowing again after the broker restart');
    await first.kill9();
    const before = produced(first);
    expect(first.output()).not.toContain('drained');

    // The restarted gateway drains the outbox left by the killed one, then produces 500 more.
    const second = driver(data, 'b', 500);
    await waitFor(() => second.output().includes('drained'), 90_000, 'the restarted gateway to drain');
    const a = received('a');
    const maxA = Math.max(...[...a].map((id) => Number(id.slice(2))));
    // Alerts are produced in order, so every id up to the highest received was produced: none may be missing.
    expect(maxA + 1).toBeGreaterThanOrEqual(before);
    expect([...a].sort()).toEqual(upTo('a', maxA + 1).sort());
    await waitFor(() => received('b').size === 500, 20_000, 'all 500 alerts of the second run');
    expect([...received('b')].sort()).toEqual(upTo('b', 500).sort());
    const end = await healthz(second);
    expect(end.status).toBe('ok');
    expect(end.rss).toBeLessThan(baseline.rss * 1.5);
    await second.stop();
  });

  it('loses no sample or alert in InfluxDB through an influxd kill -9 and restart', async () => {
    const gw = driver(join(dir, 'gw-influx'), 'c', 1_500);
    await waitFor(() => produced(gw) >= 300, 30_000, '300 ticks produced');
    await influx.kill9();
    await sleep(1_500);
    expect((await healthz(gw)).status).toBe('ok');
    await influx.restart();
    await waitFor(() => gw.output().includes('drained'), 90_000, 'the gateway to drain after the influxd restart');
    const count = async (m: 'samples' | 'alerts') => {
      const r = await influx.query(`SELECT count(*) FROM "${KIND_RP[m]}"."${m}" WHERE asset = 'c-pump'`, 'faults');
      return r.results[0]?.series?.[0]?.values[0]?.[1];
    };
    expect(await count('samples')).toBe(1_500);
    expect(await count('alerts')).toBe(1_500);
    await waitFor(() => received('c').size === 1_500, 20_000, 'the 1500 alerts at the broker');
    await gw.stop();
  });
});
