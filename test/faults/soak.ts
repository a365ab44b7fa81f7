/**
 * Soak: `npm run soak -- --minutes N [--interval S]`. Runs the fault-suite gateway stand-in
 * (fixtures/gateway-driver.ts: the real store-and-forward outputs) against real mosquitto and influxd for N minutes,
 * stopping the broker for 3 s every minute, and prints the gateway's RSS, V8 heap used, external memory and active
 * handle count every S seconds (default 10). At the end: whether every alert reached the broker, and a verdict on
 * memory: the least-squares slope of RSS and of heap used over the second half of the run (MiB per minute; the first
 * half is warm-up: V8 sizing its heap, SQLite its page cache) and the active resources at the first sample vs the last.
 * Flat is the goal: exit code 1 when alerts are missing, 3 when the RSS slope exceeds --max-slope (default 0.5 MiB/min)
 * or handles grew. The gateway runs with the V8 flags and MALLOC_ARENA_MAX that bin/telltale.js gives `start`
 * (TELLTALE_NODE_FLAGS overrides them the same way).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { startMosquitto } from '../support/mosquitto.ts';
import { startInfluxd } from '../support/influxd.ts';
import { spawnPeer, waitFor } from '../support/process.ts';
// @ts-expect-error plain JS module of the CLI launcher, no type declarations
import { nodeFlags } from '../../bin/node-flags.js';

const { values } = parseArgs({ options: {
  minutes: { type: 'string', default: '1' },
  interval: { type: 'string', default: '10' },
  'max-slope': { type: 'string', default: '0.5' },
} });
const number = (name: 'minutes' | 'interval' | 'max-slope'): number => {
  const n = Number(values[name]);
  if (!(n > 0)) { console.error(`--${name}: expected a positive number, got ${values[name]}`); process.exit(2); }
  return n;
};
const minutes = number('minutes');
const intervalMs = number('interval') * 1000;
const maxSlope = number('max-slope');

interface Health {
  rss: number; produced: number; handles: number; resources: string[];
  memory: { heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
}
interface Row { t: number; rss: number; heap: number; heapTotal: number; external: number; handles: number }

const MiB = 2 ** 20;
/** Least-squares slope of y over t (t in s), per minute. */
function slopePerMinute(points: readonly { t: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) { num += (p.t - mt) * (p.y - my); den += (p.t - mt) ** 2; }
  return den === 0 ? 0 : (num / den) * 60;
}
/** `TCPWrap×3 Timeout×2` from process.getActiveResourcesInfo(). */
const countResources = (r: readonly string[]): string => {
  const counts = new Map<string, number>();
  for (const k of r) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}×${n}`).join(' ');
};

const [broker, influx] = await Promise.all([startMosquitto({ persistence: true }), startInfluxd()]);
const dir = mkdtempSync(join(tmpdir(), 'telltale-soak-'));
const ids = new Set<string>();
const rx = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'rx-soak', clean: false, reconnectPeriod: 200, properties: { sessionExpiryInterval: 3600 } });
rx.on('message', (topic, payload) => { if (topic.endsWith('/alerts')) ids.add((JSON.parse(payload.toString()) as { alert: { id: string } }).alert.id); });
await rx.subscribeAsync('telltale/#', { qos: 1 });
// The sizing bin/telltale.js gives `start` (the same default and the same override).
const gw = spawnPeer(join(process.cwd(), 'node_modules/.bin/node'), [...nodeFlags(), join(process.cwd(), 'test/faults/fixtures/gateway-driver.ts'), broker.url, influx.url, dir, 's', '1000000000', '5'], {
  env: { MALLOC_ARENA_MAX: '2', ...process.env },
});
const port = await waitFor(() => /healthz (\d+)/.exec(gw.output())?.[1], 20_000, 'the gateway healthz port');
const t0 = Date.now();
const end = t0 + minutes * 60_000;
console.log('t_s\trss_MiB\theap_used_MiB\theap_total_MiB\text_MiB\thandles\tproduced\treceived');
const rows: Row[] = [];
let firstResources: string[] | undefined;
let lastResources: string[] = [];
let nextOutage = t0 + 60_000;
let produced = 0;
while (Date.now() < end) {
  await new Promise((r) => setTimeout(r, intervalMs));
  const h = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json() as Health;
  produced = h.produced;
  const row = { t: (Date.now() - t0) / 1000, rss: h.rss / MiB, heap: h.memory.heapUsed / MiB, heapTotal: h.memory.heapTotal / MiB, external: h.memory.external / MiB, handles: h.handles };
  rows.push(row);
  firstResources ??= h.resources;
  lastResources = h.resources;
  console.log(`${Math.round(row.t)}\t${row.rss.toFixed(1)}\t${row.heap.toFixed(1)}\t${row.heapTotal.toFixed(1)}\t${row.external.toFixed(1)}\t${row.handles}\t${h.produced}\t${ids.size}`);
  if (Date.now() >= nextOutage) {
    nextOutage += 60_000;
    await broker.stop();
    await new Promise((r) => setTimeout(r, 3_000));
    await broker.restart();
  }
}
// The gateway keeps producing until it stops; its own `produced <n>` lines count exactly. Every alert produced up to
// now must arrive (the outage at the end of the loop leaves a backlog to drain first); later ones are still in
// flight at the stop (they stay in the outbox) and are not counted.
const producedSoFar = (): number => {
  const last = [...gw.output().slice(-20_000).matchAll(/^produced (\d+)$/gm)].at(-1);
  return last ? Number(last[1]) + 1 : produced;
};
produced = producedSoFar();
const inOrder = (n: number) => { for (let i = 0; i < n; i++) if (!ids.has(`s-${i}`)) return false; return true; };
await waitFor(() => inOrder(produced), 60_000, 'the last alerts').catch(() => undefined);
await gw.stop();
const missing = Array.from({ length: produced }, (_, i) => `s-${i}`).filter((id) => !ids.has(id)).length;
console.log(`alerts produced ${produced} (counted until the check; ${producedSoFar()} at the stop), received ${missing === 0 ? 'all' : produced - missing}, missing ${missing}`);

const half = rows.filter((r) => r.t >= (minutes * 60) / 2);
const rssSlope = slopePerMinute(half.map((r) => ({ t: r.t, y: r.rss })));
const heapSlope = slopePerMinute(half.map((r) => ({ t: r.t, y: r.heap })));
const first = rows[0];
const last = rows.at(-1);
const handlesGrew = first !== undefined && last !== undefined && last.handles > first.handles;
const flat = rssSlope <= maxSlope && !handlesGrew;
if (first && last) {
  console.log(`RSS ${first.rss.toFixed(1)} → ${last.rss.toFixed(1)} MiB (min ${Math.min(...rows.map((r) => r.rss)).toFixed(1)}, max ${Math.max(...rows.map((r) => r.rss)).toFixed(1)}); heap used ${first.heap.toFixed(1)} → ${last.heap.toFixed(1)} MiB`);
  console.log(`second half (${half.length} samples from ${Math.round(half[0]?.t ?? 0)} s): RSS slope ${rssSlope.toFixed(2)} MiB/min, heap-used slope ${heapSlope.toFixed(2)} MiB/min`);
  console.log(`handles ${first.handles} → ${last.handles}: [${countResources(firstResources ?? [])}] → [${countResources(lastResources)}]`);
  console.log(`verdict: ${flat ? 'flat' : 'NOT flat'} (RSS slope ≤ ${maxSlope} MiB/min and handles not grown)`);
}
await rx.endAsync();
await Promise.all([broker.dispose(), influx.dispose()]);
rmSync(dir, { recursive: true, force: true });
process.exit(missing !== 0 ? 1 : flat ? 0 : 3);
