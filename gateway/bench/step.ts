/**
 * One load step: the simulator child at assets × tags × rate, the gateway pipeline in this process, faults
 * injected one asset at a time, and the figures: values/s, sample-to-alert latency at an MQTT subscriber, CPU,
 * RSS, event-loop lag, InfluxDB points/s, bytes in vs up, and whether the gateway kept up or shed load.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { BenchPipeline } from './pipeline.ts';
import { startSimulatorChild } from './peers.ts';
import { percentile, type StepResult, type StepSpec } from './report.ts';

export interface StepContext {
  influxUrl: string;
  mqttUrl: string;
  seconds: number;
  /** Called about every 250 ms with the fraction of the step done. */
  onProgress?: (fraction: number) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runStep(spec: StepSpec, ctx: StepContext): Promise<StepResult> {
  const assets = Math.max(1, Math.round(spec.tags / spec.tagsPerAsset));
  const sim = await startSimulatorChild({ assets, tagsPerAsset: spec.tagsPerAsset, rate: spec.rate }).catch((e: Error) => {
    throw new Error(`bench step ${spec.tags}x${spec.rate}: ${e.message}`);
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-bench-'));
  const window = Math.max(2, Math.round(spec.rate / 2));
  const pipe = new BenchPipeline({ assets, tagsPerAsset: spec.tagsPerAsset, rate: spec.rate, simPort: sim.port, influxUrl: ctx.influxUrl, mqttUrl: ctx.mqttUrl, dataDir, window, warmupWindows: 10 });
  const onsets = new Map<string, number>();
  const latencies: number[] = [];
  const pathLatencies: number[] = [];
  const sub = await mqtt.connectAsync(ctx.mqttUrl, { clientId: `bench-sub-${process.pid}` });
  await sub.subscribeAsync('telltale/+/+/alerts', { qos: 1 });
  sub.on('message', (_t, payload) => {
    const at = Date.now();
    const { alert } = JSON.parse(payload.toString()) as { alert?: { asset?: string; kind?: string; ts?: number } };
    // alert.ts is the acquisition time of the newest sample in the window that opened it: from there on it is path.
    if (alert?.kind === 'open' && typeof alert.ts === 'number') pathLatencies.push(at - alert.ts);
    const onset = alert?.asset !== undefined ? onsets.get(alert.asset) : undefined;
    if (alert?.kind === 'open' && onset !== undefined) {
      latencies.push(at - onset);
      onsets.delete(alert.asset!);
    }
  });
  let phase = 'start';
  try {
    await pipe.start();
    phase = 'warm-up';
    const warmDeadline = Date.now() + 30_000;
    while (!pipe.ready && Date.now() < warmDeadline) await sleep(100);
    if (!pipe.ready) throw new Error(`bench step ${spec.tags}x${spec.rate}: no model after 30 s of warm-up (${pipe.counters.frames} windows seen; ${pipe.counters.errors[0] ?? 'no error'})`);
    phase = 'measure';
    const c = pipe.counters;
    const v0 = c.values;
    const a0 = c.alerts;
    const s0 = c.scored;
    const b0 = c.bytesIn;
    const { pointsWritten: p0, valuesWritten: iv0 } = pipe.outputs.tsdb!.metrics();
    const up0 = pipe.outputs.uplink!.status().bandwidth.totalUplinkBytes;
    const skip0 = pipe.devices.reduce((n, d) => n + (d.status().skippedPolls ?? 0), 0);
    const q0 = pipe.outputs.tsdb!.metrics().valuesQueued;
    c.ages.length = 0;
    pathLatencies.length = 0;
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const rssStart = process.memoryUsage().rss;
    let rssMax = 0;
    let next = 0;
    let faulted: string | undefined;
    const faultEvery = Math.max(2000, (ctx.seconds * 1000) / 4);
    while (performance.now() - t0 < ctx.seconds * 1000) {
      const el = performance.now() - t0;
      rssMax = Math.max(rssMax, process.memoryUsage().rss);
      if (el >= next * faultEvery) {
        if (faulted) await sim.clear(faulted);
        // An asset whose alert is already open (a false alarm) would open no new alert: pick a quiet one.
        let pick = next % assets;
        for (let tries = 0; tries < assets && pipe.isAlerting(`asset-${pick + 1}`); tries++) pick = (pick + 1) % assets;
        faulted = `asset-${pick + 1}`;
        onsets.set(faulted, await sim.fault(faulted));
        next++;
      }
      ctx.onProgress?.(Math.min(1, el / (ctx.seconds * 1000)));
      await sleep(250);
    }
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    lag.disable();
    await sleep(300); // lets the last alert arrive
    const m = pipe.outputs.tsdb!.metrics();
    const values = c.values - v0;
    const target = spec.tags * spec.rate;
    const skipped = pipe.devices.reduce((n, d) => n + (d.status().skippedPolls ?? 0), 0) - skip0;
    const ages = c.ages.slice().sort((a, b) => a - b);
    const valuesPerS = values / elapsed;
    const queueGrowth = m.valuesQueued - q0; // field values, like the target
    return {
      step: `${spec.tags}x${spec.rate}`, tags: spec.tags, rate: spec.rate, assets, seconds: elapsed,
      targetValuesPerS: target, valuesPerS,
      kept: valuesPerS >= 0.95 * target && skipped === 0 && queueGrowth <= target,
      skippedPolls: skipped,
      status: skipped > 0 ? 'shedding' : valuesPerS < 0.95 * target ? 'behind' : 'ok',
      dataAgeP99Ms: percentile(ages, 99), dataAgeMaxMs: ages.at(-1) ?? 0,
      latencyP50Ms: percentile(latencies, 50), latencyP99Ms: percentile(latencies, 99), pathLatencyP50Ms: percentile(pathLatencies, 50), pathLatencyP99Ms: percentile(pathLatencies, 99), faults: next, alertsOpened: c.alerts - a0, alertsReceived: latencies.length, windowsScored: c.scored - s0,
      cpuPct: ((cpu.user + cpu.system) / 1e6 / elapsed) * 100, rssStartMB: rssStart / 2 ** 20, rssMaxMB: rssMax / 2 ** 20,
      loopLagP99Ms: lag.percentile(99) / 1e6, loopLagMaxMs: lag.max / 1e6,
      influxPointsPerS: (m.pointsWritten - p0) / elapsed, influxValuesPerS: (m.valuesWritten - iv0) / elapsed, influxQueueGrowth: queueGrowth,
      bytesInPerS: (c.bytesIn - b0) / elapsed, bytesUpPerS: (pipe.outputs.uplink!.status().bandwidth.totalUplinkBytes - up0) / elapsed,
      errors: c.errors.slice(0, 5),
    };
  } catch (e) {
    throw new Error(`bench step ${spec.tags}x${spec.rate} (${phase}): ${(e as Error).message}`);
  } finally {
    await sub.endAsync().catch(() => undefined);
    await pipe.stop().catch(() => undefined);
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
