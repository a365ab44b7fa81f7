/**
 * Uplink backlog: how fast the durable outbox stores messages (synchronous=FULL) and how fast a backlog drains
 * to a real mosquitto once it is reachable (QoS 1, PUBACK before delete), per in-flight window.
 *   ./node_modules/.bin/node bench/uplink.ts [messages=20000] [windows=1,32,128]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startMosquitto } from '../test/support/mosquitto.ts';
import { CloudUplink, resolveUplinkConfig } from '../gateway/uplink/index.ts';

const n = Number(process.argv[2] ?? 20_000);
const windows = (process.argv[3] ?? '1,32,128').split(',').map(Number);
const broker = await startMosquitto();
const dir = mkdtempSync(join(tmpdir(), 'telltale-bench-uplink-'));
// A receiver, so the broker does the work of a real deployment (forwarding each message once).
const rx = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
let received = 0;
rx.on('message', () => { received += 1; });
await rx.subscribeAsync('telltale/#', { qos: 1 });
const results: object[] = [];
try {
  for (const w of windows) {
    const u = new CloudUplink({
      config: resolveUplinkConfig({ url: broker.url, clientId: `bench-${w}`, inflightWindow: w }),
      site: 'bench', gateway: `gw-${w}`, outboxPath: join(dir, `outbox-${w}.sqlite`),
    });
    // Stored before the uplink starts: the backlog an outage leaves behind.
    let t = performance.now();
    for (let i = 0; i < n; i++) u.alert({ kind: 'update', id: `a-${i}`, asset: `pump-${i % 8}`, ts: Date.now(), score: i / n });
    const storeRate = n / ((performance.now() - t) / 1000);
    const before = received;
    t = performance.now();
    u.start();
    await u.drain(600_000);
    const drainRate = n / ((performance.now() - t) / 1000);
    while (received - before < n) await new Promise((r) => setTimeout(r, 10));
    await u.stop();
    results.push({ window: w, messages: n, outboxStoresPerSec: Math.round(storeRate), drainMessagesPerSec: Math.round(drainRate) });
  }
  console.log(JSON.stringify(results));
} finally {
  await rx.endAsync();
  await broker.dispose();
  rmSync(dir, { recursive: true, force: true });
}
