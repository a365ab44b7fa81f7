/**
 * InfluxDB write throughput for raw sample batches: tag values/s (and InfluxDB points/s) through TsdbWriter
 * (conversion, buffering, batching, one write in flight) vs a bare influx client loop writing the same points in
 * writes of the same size; then the disk queue: the same batches written while influxd is down, and the drain
 * rate of that backlog once it is back. Starts its own influxd.
 *   ./node_modules/.bin/node bench/influx.ts [values=200000] [batchSize=5000] [tagsPerBatch=10]
 * `values` tag values in sample batches of `tagsPerBatch` tags (one device poll each); batchSize is TsdbWriter's
 * points per write. Values/s is what the pipeline cares about: how many of them become a point is the schema's
 * choice (gateway/outputs/influx/README.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxDB, type IPoint } from 'influx';
import { startInfluxd } from '../test/support/influxd.ts';
import { GOOD, type SampleBatch } from '../gateway/core/sample.ts';
import { TsdbWriter, resolveTsdbConfig, toPoints } from '../gateway/outputs/influx/index.ts';

const total = Number(process.argv[2] ?? 200_000);
const batchSize = Number(process.argv[3] ?? 5000);
const TAGS = Number(process.argv[4] ?? 10);
const BATCHES = Math.ceil(total / TAGS);
const VALUES = BATCHES * TAGS;
const t0 = Date.now() - 3_600_000;

function sampleBatch(i: number): SampleBatch {
  const values: Record<string, number> = {};
  const quality: Record<string, typeof GOOD> = {};
  for (let t = 0; t < TAGS; t++) { values[`t${t}`] = Math.sin(i + t); quality[`t${t}`] = GOOD; }
  return { device: 'plc-1', asset: `pump-${i % 4}`, ts: t0 + i, values, quality };
}

const influxd = await startInfluxd();
const dir = mkdtempSync(join(tmpdir(), 'telltale-bench-influx-'));
try {
  // Bare client: the same points (same conversion), batches written one after another.
  const bare = new InfluxDB({ host: '127.0.0.1', port: influxd.port, database: 'bare' });
  await bare.createDatabase('bare');
  const points: IPoint[] = [];
  for (let i = 0; i < BATCHES; i++) toPoints({ kind: 'samples', batch: sampleBatch(i) }, { site: 's', gateway: 'g' }, points);
  let start = performance.now();
  for (let i = 0; i < points.length; i += batchSize) await bare.writePoints(points.slice(i, i + batchSize), { precision: 'ms' });
  const bareSeconds = (performance.now() - start) / 1000;

  const w = new TsdbWriter({
    config: resolveTsdbConfig({ url: `${influxd.url}/writer`, batchSize, flushIntervalMs: 200 }),
    site: 's', gateway: 'g', queuePath: join(dir, 'q.sqlite'),
  });
  await w.connect();
  start = performance.now();
  for (let i = 0; i < BATCHES; i++) await w.write([{ kind: 'samples', batch: sampleBatch(i) }]);
  await w.drain(300_000);
  const writerSeconds = (performance.now() - start) / 1000;
  const m = w.metrics();
  await w.close();

  // Backlog: the same points written while influxd is down go to the disk queue; time the drain after restart.
  await influxd.stop();
  const q = new TsdbWriter({
    config: resolveTsdbConfig({ url: `${influxd.url}/backlog`, batchSize, flushIntervalMs: 200, requestTimeoutMs: 1000 }),
    site: 's', gateway: 'g', queuePath: join(dir, 'backlog.sqlite'),
  });
  await q.connect();
  start = performance.now();
  for (let i = 0; i < BATCHES; i++) await q.write([{ kind: 'samples', batch: sampleBatch(i) }]);
  q.flush();
  const queueRate = VALUES / ((performance.now() - start) / 1000);
  const queued = q.metrics().pointsQueued;
  await influxd.restart();
  // Timed from the first accepted write, not from the restart: the writer's retry wait (≤ 2 s) is not drain speed.
  const restarted = performance.now();
  while (q.metrics().pointsWritten === 0) await new Promise((r) => setTimeout(r, 5));
  const firstWriteAfterMs = Math.round(performance.now() - restarted);
  start = performance.now();
  const before = q.metrics().pointsWritten;
  await q.drain(600_000);
  const drainSeconds = (performance.now() - start) / 1000;
  const drained = q.metrics().pointsWritten - before;
  const drainRate = drained / drainSeconds;
  await q.close();
  console.log(JSON.stringify({
    values: VALUES, tagsPerBatch: TAGS, points: points.length, batchSize,
    bareClientValuesPerSec: Math.round(VALUES / bareSeconds), bareClientPointsPerSec: Math.round(points.length / bareSeconds),
    tsdbWriterValuesPerSec: Math.round(VALUES / writerSeconds), tsdbWriterPointsPerSec: Math.round(m.pointsWritten / writerSeconds),
    writerQueuedToDiskBatches: m.batchesQueued, written: m.pointsWritten,
    diskQueueValuesPerSec: Math.round(queueRate), backlogPoints: queued, backlogDrainPointsPerSec: Math.round(drainRate),
    backlogDrainValuesPerSec: Math.round(((drained / points.length) * VALUES) / drainSeconds), firstWriteAfterRestartMs: firstWriteAfterMs,
  }));
} finally {
  await influxd.dispose();
  rmSync(dir, { recursive: true, force: true });
}
