/**
 * Soak: `npm run soak -- --minutes N`. Runs the fault-suite gateway stand-in (fixtures/gateway-driver.ts) against
 * real mosquitto and influxd for N minutes, stopping the broker for 3 s every minute, and prints the gateway's RSS
 * and active handle count every 10 s (flat is the goal), then whether every alert reached the broker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { startMosquitto } from '../support/mosquitto.ts';
import { startInfluxd } from '../support/influxd.ts';
import { spawnPeer, waitFor } from '../support/process.ts';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '1' } } });
const minutes = Number(values.minutes);
if (!(minutes > 0)) { console.error(`--minutes: expected a positive number, got ${values.minutes}`); process.exit(2); }

const [broker, influx] = await Promise.all([startMosquitto({ persistence: true }), startInfluxd()]);
const dir = mkdtempSync(join(tmpdir(), 'telltale-soak-'));
const ids = new Set<string>();
const rx = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'rx-soak', clean: false, reconnectPeriod: 200, properties: { sessionExpiryInterval: 3600 } });
rx.on('message', (topic, payload) => { if (topic.endsWith('/alerts')) ids.add((JSON.parse(payload.toString()) as { alert: { id: string } }).alert.id); });
await rx.subscribeAsync('telltale/#', { qos: 1 });
const gw = spawnPeer(join(process.cwd(), 'node_modules/.bin/node'), [join(process.cwd(), 'test/faults/fixtures/gateway-driver.ts'), broker.url, influx.url, dir, 's', '1000000000', '5']);
const port = await waitFor(() => /healthz (\d+)/.exec(gw.output())?.[1], 20_000, 'the gateway healthz port');
const t0 = Date.now();
const end = t0 + minutes * 60_000;
console.log('t_s\trss_MiB\thandles\tproduced\treceived');
let nextOutage = t0 + 60_000;
let produced = 0;
while (Date.now() < end) {
  await new Promise((r) => setTimeout(r, 10_000));
  const h = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json() as { rss: number; handles: number; produced: number };
  produced = h.produced;
  console.log(`${Math.round((Date.now() - t0) / 1000)}\t${(h.rss / 2 ** 20).toFixed(1)}\t${h.handles}\t${h.produced}\t${ids.size}`);
  if (Date.now() >= nextOutage) {
    nextOutage += 60_000;
    await broker.stop();
    await new Promise((r) => setTimeout(r, 3_000));
    await broker.restart();
  }
}
await gw.stop();
await waitFor(() => ids.size >= produced, 30_000, 'the last alerts').catch(() => undefined);
const missing = Array.from({ length: produced }, (_, i) => `s-${i}`).filter((id) => !ids.has(id)).length;
console.log(`alerts produced ${produced}, distinct received ${ids.size}, missing ${missing}`);
await rx.endAsync();
await Promise.all([broker.dispose(), influx.dispose()]);
rmSync(dir, { recursive: true, force: true });
process.exit(missing === 0 ? 0 : 1);
