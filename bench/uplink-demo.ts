/**
 * The demo end to end against a real influxd and mosquitto: bandwidth reduction factor (bytes read from the
 * devices vs bytes sent upstream, from the uplink's own meter in its summaries) and the time from fault onset
 * (the simulator's injection, printed by the demo) to the alert open event at an MQTT subscriber.
 *   ./node_modules/.bin/node bench/uplink-demo.ts [seconds=240] [demo options …]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { startInfluxd } from '../test/support/influxd.ts';
import { startMosquitto } from '../test/support/mosquitto.ts';
import { spawnPeer } from '../test/support/process.ts';
import { freePort } from '../test/support/ports.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const seconds = Number(process.argv[2] ?? 240);
const extra = process.argv.slice(3);
const [influx, broker] = await Promise.all([startInfluxd(), startMosquitto()]);
const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
const got: { at: number; topic: string; body: Record<string, any> }[] = [];
let subscriberBytes = 0;
sub.on('message', (topic, p) => {
  subscriberBytes += p.length + Buffer.byteLength(topic);
  got.push({ at: Date.now(), topic, body: JSON.parse(p.toString()) });
});
await sub.subscribeAsync('telltale/#', { qos: 1 });
const dataDir = mkdtempSync(join(tmpdir(), 'uplink-demo-'));
const demo = spawnPeer(join(repo, 'node_modules/.bin/node'), ['bin/telltale.js', 'demo', '--api-port', String(await freePort()), '--editor-port', String(await freePort()),
  '--data-dir', dataDir, '--sim-modbus-port', String(await freePort()), '--sim-opcua-port', String(await freePort()),
  '--influx-url', `${influx.url}/telltale`, '--mqtt-url', broker.url, ...extra], { cwd: repo, env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' } });
await new Promise((r) => setTimeout(r, seconds * 1000));

const out = demo.output();
const injected = /Fault injected at (\S+): (\S+):/.exec(out);
const alerts = got.filter((g) => g.topic.endsWith('/alerts') && g.body.alert?.kind === 'open');
const onsetMs = injected ? Date.parse(injected[1]) : undefined;
const before = onsetMs === undefined ? alerts : alerts.filter((a) => a.at < onsetMs);
const after = injected ? alerts.find((a) => a.at >= onsetMs! && a.body.alert.asset === injected[2]) : undefined;
const bw = got.filter((g) => g.topic.endsWith('/summaries')).at(-1)?.body.bandwidth;
const topics: Record<string, number> = {};
for (const g of got) topics[g.topic] = (topics[g.topic] ?? 0) + 1;
console.log(JSON.stringify({
  seconds, options: extra.join(' '), topics, subscriberBytes,
  bandwidth: bw, faultOnset: injected?.[1], faultAsset: injected?.[2],
  alertOpenAfterOnsetS: after && onsetMs !== undefined ? (after.at - onsetMs) / 1000 : null,
  falseAlertOpensBeforeOnset: before.map((a) => a.body.alert.asset),
}, null, 1));
if (!after) console.log(out.split('\n').filter((l) => !l.includes('learning failed')).slice(-15).join('\n'));
await demo.stop(20_000);
await sub.endAsync();
await Promise.all([influx.dispose(), broker.dispose()]);
rmSync(dataDir, { recursive: true, force: true });
