/**
 * Bandwidth reduction factor: bytes read from devices vs bytes the uplink writes to the broker socket, for a
 * simulated span of pump-station data pushed through a real CloudUplink to a real mosquitto (clock injected, so an
 * hour runs in seconds). Device bytes are Modbus TCP response frames: 7 MBAP + 2 + 4 per float32 tag per poll.
 *   ./node_modules/.bin/node bench/uplink-bandwidth.ts [assets=4] [tags=10] [rateHz=10] [hours=1] [summaryPeriodS=300] [alertsPerHour=2]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMosquitto } from '../test/support/mosquitto.ts';
import { GOOD, type SampleBatch } from '../gateway/core/sample.ts';
import { CloudUplink, resolveUplinkConfig } from '../gateway/uplink/index.ts';

const [assets, tags, rateHz, hours, summaryPeriodS, alertsPerHour] = [4, 10, 10, 1, 300, 2].map((d, i) => Number(process.argv[2 + i] ?? d));
const broker = await startMosquitto();
const dir = mkdtempSync(join(tmpdir(), 'telltale-bench-bw-'));
let clock = Date.now();
try {
  const u = new CloudUplink({
    config: resolveUplinkConfig({ url: broker.url, summaryPeriodMs: 3_600_000 * 24 }),
    site: 'bench', gateway: 'gw-bw', outboxPath: join(dir, 'outbox.sqlite'), now: () => clock,
  });
  u.start();
  const stepMs = 1000 / rateHz;
  const steps = Math.round(hours * 3600 * rateHz);
  const perSummary = Math.round(summaryPeriodS * rateHz);
  const alertEvery = alertsPerHour > 0 ? Math.round((3600 * rateHz) / alertsPerHour) : Infinity;
  const frameBytes = 7 + 2 + 4 * tags;
  const values: Record<string, number> = {};
  const quality: Record<string, typeof GOOD> = {};
  for (let t = 0; t < tags; t++) quality[`t${t}`] = GOOD;
  for (let s = 0; s < steps; s++) {
    clock += stepMs;
    for (let a = 0; a < assets; a++) {
      for (let t = 0; t < tags; t++) values[`t${t}`] = Math.sin(s / 100 + t + a);
      const batch: SampleBatch = { device: `plc-${a}`, asset: `pump-${a}`, ts: clock, values, quality, wireBytes: frameBytes };
      u.recordBatch(batch);
      // One window of features and a score per second per asset, as the detection pipeline would give.
      if (s % rateHz === 0) u.observe({ asset: batch.asset, ts: clock, features: { 't0.rms': Math.abs(values.t0), 't1.kurtosis': 3 }, score: 0.1 });
    }
    if (s > 0 && s % alertEvery === 0) u.alert({ kind: 'open', id: `al-${s}`, asset: 'pump-0', ts: clock, score: 0.9 });
    if (s > 0 && s % perSummary === 0) {
      u.flushSummaries();
      await u.drain(60_000);
    }
  }
  u.flushSummaries();
  await u.drain(60_000);
  const st = u.status();
  await u.stop();
  const bw = st.bandwidth;
  console.log(JSON.stringify({
    assets, tags, rateHz, hours, summaryPeriodS, alertsPerHour,
    messagesSent: st.acknowledged,
    deviceBytes: bw.totalDeviceBytes,
    uplinkBytes: bw.totalUplinkBytes,
    reductionFactor: Math.round(bw.reductionFactor ?? 0),
  }));
} finally {
  await broker.dispose();
  rmSync(dir, { recursive: true, force: true });
}
