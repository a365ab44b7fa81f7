/**
 * What the gateway-health node measures, without Node-RED: device counters from the registry's statuses, process
 * memory and event-loop lag, in the `{ component, ts, metrics }` shape toTsdbRecords stores as `health`.
 * Only what is known here is reported: outbox, bandwidth and inference figures live in other nodes and are omitted.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { DeviceStatus } from '../../gateway/core/sample.ts';

export interface HealthMessage { component: string; ts: number; metrics: Record<string, number> }

export interface HealthSamplerOptions {
  statuses: () => DeviceStatus[];
  component?: string;
  now?: () => number;
}

/** Event-loop delay sampling period: fine enough to see a 50 ms stall, cheap enough to leave on. */
const LOOP_RESOLUTION_MS = 20;

export class HealthSampler {
  readonly #statuses: () => DeviceStatus[];
  readonly #component: string;
  readonly #now: () => number;
  readonly #loop: ReturnType<typeof monitorEventLoopDelay>;
  #last: { t: number; samples: number };

  constructor(opts: HealthSamplerOptions) {
    this.#statuses = opts.statuses;
    this.#component = opts.component || 'gateway';
    this.#now = opts.now ?? Date.now;
    this.#loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.#loop.enable();
    this.#last = { t: this.#now(), samples: this.#totalSamples(this.#statuses()) };
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
    return { component: this.#component, ts, metrics };
  }

  close(): void {
    this.#loop.disable();
  }
}
