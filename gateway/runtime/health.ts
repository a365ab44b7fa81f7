/**
 * The gateway's health in the `{ component, ts, metrics }` shape toTsdbRecords stores as `health` (the fields the
 * gateway-health dashboard reads): device counters from the registry's statuses, process memory and event-loop lag,
 * and — when the gateway runs them — the uplink's outbox and bandwidth, the InfluxDB queue and the inference latency
 * of the model store, and whether their disk is full (`disk_full` 0/1, `outbox_memory` / `tsdb_memory_points`: what waits
 * in memory meanwhile). What is not running is omitted, not reported as zero. Used by the Gateway's own health timer
 * and by the gateway-health node.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { DeviceStatus } from '../core/sample.ts';

/** What the sampler reads from the uplink (CloudUplink.status()). */
export interface UplinkHealthSource {
  status(): { connected: boolean; queued: number; bandwidth: { totalDeviceBytes: number; totalUplinkBytes: number }; storage?: { state: string; memory: { held: number } } };
}
/** What the sampler reads from InfluxDB (TsdbWriter.metrics()). */
export interface TsdbHealthSource {
  metrics(): { connected: boolean; pointsQueued: number; storage?: { state: string; memory: { points: number } } };
}

export interface HealthMessage { component: string; ts: number; metrics: Record<string, number> }

export interface HealthSamplerOptions {
  statuses: () => DeviceStatus[];
  component?: string;
  now?: () => number;
  uplink?: () => UplinkHealthSource | undefined;
  tsdb?: () => TsdbHealthSource | undefined;
  /** Log lines stdout/stderr could not write since start (a log file on a full disk); reported as log_write_errors. */
  logWriteErrors?: () => number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
/** Inference timings kept per interval; beyond this the newest replace a random older one (reservoir). */
const MAX_TIMINGS = 4096;

/** Event-loop delay sampling period: fine enough to see a 50 ms stall, cheap enough to leave on. */
const LOOP_RESOLUTION_MS = 20;

export class HealthSampler {
  readonly #statuses: () => DeviceStatus[];
  readonly #component: string;
  readonly #now: () => number;
  readonly #loop: ReturnType<typeof monitorEventLoopDelay>;
  #last: { t: number; samples: number };
  readonly #uplink?: () => UplinkHealthSource | undefined;
  readonly #tsdb?: () => TsdbHealthSource | undefined;
  readonly #logWriteErrors?: () => number;
  #timings: number[] = [];
  #timed = 0;
  /** Since when the outbox has not been empty (for outbox_age_s). */
  #nonEmptySince?: number;

  constructor(opts: HealthSamplerOptions) {
    this.#statuses = opts.statuses;
    this.#component = opts.component || 'gateway';
    this.#now = opts.now ?? Date.now;
    this.#loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.#loop.enable();
    this.#last = { t: this.#now(), samples: this.#totalSamples(this.#statuses()) };
    this.#uplink = opts.uplink;
    this.#tsdb = opts.tsdb;
    this.#logWriteErrors = opts.logWriteErrors;
  }

  /** One model run's duration (ms); reported as inference_ms_p50/p99 of the interval. */
  observeInference(ms: number): void {
    this.#timed++;
    if (this.#timings.length < MAX_TIMINGS) this.#timings.push(ms);
    else {
      const i = Math.floor(Math.random() * this.#timed);
      if (i < MAX_TIMINGS) this.#timings[i] = ms;
    }
  }

  #totalSamples(list: DeviceStatus[]): number {
    return list.reduce((n, s) => n + s.samples, 0);
  }

  /** One health message covering the time since the previous call (or since construction). */
  sample(): HealthMessage {
    const ts = this.#now();
    const list = this.#statuses();
    const samples = this.#totalSamples(list);
    const metrics: Record<string, number> = {
      devices: list.length,
      devices_connected: list.filter((s) => s.connected).length,
      read_errors: list.reduce((n, s) => n + s.errors, 0),
      reconnects: list.reduce((n, s) => n + s.reconnects, 0),
    };
    const dt = (ts - this.#last.t) / 1000;
    // A device that left the registry takes its count with it: the rate over that interval is unknown, not negative.
    if (dt > 0 && samples >= this.#last.samples) metrics.samples_per_s = (samples - this.#last.samples) / dt;
    this.#last = { t: ts, samples };
    const mem = process.memoryUsage();
    metrics.rss_bytes = mem.rss;
    metrics.heap_used_bytes = mem.heapUsed;
    // The histogram records whole timer periods (ns): the lag is what the longest one exceeds the sampling period by
    // (the longest, as one stall is what starves a poll).
    if (this.#loop.count > 0) metrics.event_loop_lag_ms = Math.max(0, this.#loop.max / 1e6 - LOOP_RESOLUTION_MS);
    this.#loop.reset();
    const uplink = this.#uplink?.();
    if (uplink) {
      const s = uplink.status();
      metrics.outbox_backlog = s.queued;
      if (s.queued === 0) this.#nonEmptySince = undefined;
      else this.#nonEmptySince ??= ts;
      metrics.outbox_age_s = this.#nonEmptySince === undefined ? 0 : (ts - this.#nonEmptySince) / 1000;
      metrics.bytes_in = s.bandwidth.totalDeviceBytes;
      metrics.bytes_out = s.bandwidth.totalUplinkBytes;
      metrics.uplink_connected = s.connected ? 1 : 0;
      if (s.storage) {
        metrics.outbox_memory = s.storage.memory.held;
        metrics.disk_full = s.storage.state === 'disk-full' ? 1 : 0;
      }
    }
    const tsdb = this.#tsdb?.();
    if (tsdb) {
      const m = tsdb.metrics();
      metrics.tsdb_queued_points = m.pointsQueued;
      metrics.tsdb_connected = m.connected ? 1 : 0;
      if (m.storage) {
        metrics.tsdb_memory_points = m.storage.memory.points;
        metrics.disk_full = Math.max(metrics.disk_full ?? 0, m.storage.state === 'disk-full' ? 1 : 0);
      }
    }
    if (this.#logWriteErrors) metrics.log_write_errors = this.#logWriteErrors();
    if (this.#timings.length > 0) {
      const sorted = this.#timings.sort((a, b) => a - b);
      metrics.inference_ms_p50 = quantile(sorted, 0.5);
      metrics.inference_ms_p99 = quantile(sorted, 0.99);
      metrics.inference_runs = this.#timed;
      this.#timings = [];
      this.#timed = 0;
    }
    return { component: this.#component, ts, metrics };
  }

  close(): void {
    this.#loop.disable();
  }
}
