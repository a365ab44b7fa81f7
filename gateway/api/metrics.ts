/**
 * GatewayMetrics: the Prometheus registry behind /metrics (prom-client, its own registry, names prefixed
 * `telltale_`). Counters the runtime already keeps (device samples, errors, reconnects; uplink bytes; outbox) are
 * read at scrape time; request errors and inference latency are observed as they happen. Disk full: with an uplink
 * or InfluxDB, `telltale_disk_full` (0/1) and per store (`component` outbox / tsdb_queue) its state, what waits in
 * memory, what the memory buffer dropped and the deletes still pending.
 */
import client from 'prom-client';
import type { DeviceRegistry } from '../runtime/registry.ts';
import type { TsdbMetrics } from '../outputs/influx/writer.ts';
import type { UplinkStatus } from '../uplink/cloud-uplink.ts';
import type { StorageState } from '../outputs/sqlite-store.ts';

export interface MetricSources {
  registry: DeviceRegistry;
  tsdb?: { metrics(): TsdbMetrics };
  uplink?: { status(): UplinkStatus };
  /** Open alerts the latest-state cache evicted at its cap. */
  latest?: { evictedOpenAlerts: number };
  /** Log lines stdout/stderr could not write since start (a log file on a full disk). */
  logWriteErrors?: () => number;
  now?: () => number;
}

const STATES: readonly StorageState[] = ['ok', 'disk-full', 'failing'];

/** A counter whose total lives elsewhere: each scrape adds what grew since the last (a restart of the source counts from 0). */
function mirrored(c: client.Counter<string>): (labels: Record<string, string>, total: number) => void {
  const seen = new Map<string, number>();
  return (labels, total) => {
    const key = JSON.stringify(labels);
    const prev = seen.get(key) ?? 0;
    const delta = total >= prev ? total - prev : total;
    seen.set(key, total);
    if (delta > 0) c.inc(labels, delta);
    else c.inc(labels, 0); // the series exists from the first scrape
  };
}

export class GatewayMetrics {
  readonly registry = new client.Registry();
  readonly #inference: client.Histogram<'model'>;
  readonly #requestErrors: client.Counter<'method' | 'route' | 'status_code'>;

  constructor(src: MetricSources) {
    const now = src.now ?? Date.now;
    const r = this.registry;
    client.collectDefaultMetrics({ register: r, prefix: 'telltale_', eventLoopMonitoringPrecision: 10 });

    // Mirrored device counters refresh in the first metric's collect(), so every later metric of the scrape sees them.
    let total = 0;
    const refreshDevices = (): void => {
      total = 0;
      for (const s of src.registry.statuses()) {
        total += s.samples;
        mSamples({ device: s.id }, s.samples);
        mErrors({ device: s.id }, s.errors);
        mReconnects({ device: s.id }, s.reconnects);
      }
    };
    const samples = new client.Counter({ name: 'telltale_samples_total', help: 'Values read from devices (good or bad)', labelNames: ['device'], registers: [r], collect: refreshDevices });
    const errors = new client.Counter({ name: 'telltale_device_errors_total', help: 'Failed device requests (timeouts, exceptions, transport errors)', labelNames: ['device'], registers: [r] });
    const reconnects = new client.Counter({ name: 'telltale_device_reconnects_total', help: 'Device reconnects', labelNames: ['device'], registers: [r] });
    const [mSamples, mErrors, mReconnects] = [mirrored(samples), mirrored(errors), mirrored(reconnects)];
    // The first scrape measures from here (the gateway's start), not 0 for want of a previous scrape.
    let last = { t: now(), total: src.registry.statuses().reduce((n, s) => n + s.samples, 0) };
    new client.Gauge({
      name: 'telltale_samples_per_second', help: 'Values read per second since the previous scrape (the first: since start)', registers: [r],
      collect() {
        const t = now();
        this.set(t > last.t && total >= last.total ? ((total - last.total) * 1000) / (t - last.t) : 0);
        last = { t, total };
      },
    });
    new client.Gauge({
      name: 'telltale_device_connected', help: '1 while the device is connected', labelNames: ['device'], registers: [r],
      collect() {
        this.reset();
        for (const s of src.registry.statuses()) this.set({ device: s.id }, s.connected ? 1 : 0);
      },
    });
    this.#requestErrors = new client.Counter({ name: 'telltale_http_request_errors_total', help: 'API requests answered with a 4xx or 5xx status', labelNames: ['method', 'route', 'status_code'], registers: [r] });
    this.#inference = new client.Histogram({
      name: 'telltale_inference_duration_seconds', help: 'Time of one model run (a batch of rows)', labelNames: ['model'], registers: [r],
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    });

    if (src.uplink) {
      const uplink = src.uplink;
      let nonEmptySince: number | undefined;
      new client.Gauge({
        name: 'telltale_outbox_backlog_messages', help: 'Messages waiting in the uplink outbox (in flight included)', registers: [r],
        collect() { this.set(uplink.status().queued); },
      });
      new client.Gauge({
        name: 'telltale_outbox_backlog_age_seconds', help: 'Seconds since the uplink outbox was last empty (0 when empty)', registers: [r],
        collect() {
          const t = now();
          if (uplink.status().queued === 0) nonEmptySince = undefined;
          else nonEmptySince ??= t;
          this.set(nonEmptySince === undefined ? 0 : (t - nonEmptySince) / 1000);
        },
      });
      const bytesIn = mirrored(new client.Counter({ name: 'telltale_device_bytes_in_total', help: 'Payload bytes received from devices (uplink accounting)', registers: [r] }));
      const bytesOut = mirrored(new client.Counter({ name: 'telltale_uplink_bytes_out_total', help: 'Bytes published upstream over MQTT', registers: [r] }));
      const reconnectsUp = mirrored(new client.Counter({ name: 'telltale_uplink_reconnects_total', help: 'Broker reconnects', registers: [r] }));
      new client.Gauge({
        name: 'telltale_uplink_connected', help: '1 while the MQTT broker is connected', registers: [r],
        collect() {
          const s = uplink.status();
          bytesIn({}, s.bandwidth.totalDeviceBytes);
          bytesOut({}, s.bandwidth.totalUplinkBytes);
          reconnectsUp({}, s.reconnects);
          this.set(s.connected ? 1 : 0);
        },
      });
    }
    if (src.tsdb) {
      const tsdb = src.tsdb;
      new client.Gauge({
        name: 'telltale_tsdb_queued_points', help: 'Points waiting for InfluxDB (memory + disk queue)', registers: [r],
        collect() { this.set(tsdb.metrics().pointsQueued); },
      });
      new client.Gauge({
        name: 'telltale_tsdb_connected', help: '1 while InfluxDB accepts writes', registers: [r],
        collect() { this.set(tsdb.metrics().connected ? 1 : 0); },
      });
    }
    if (src.uplink || src.tsdb) this.#storageMetrics(src);
    if (src.logWriteErrors) {
      const read = src.logWriteErrors;
      let seen = 0;
      new client.Counter({
        name: 'telltale_log_write_errors_total', help: 'Log lines stdout/stderr could not write (a log file on a full disk); the gateway keeps running', registers: [r],
        collect() {
          const n = read();
          this.inc(n > seen ? n - seen : 0);
          seen = Math.max(seen, n);
        },
      });
    }
    if (src.latest) {
      const latest = src.latest;
      const evicted = mirrored(new client.Counter({ name: 'telltale_latest_open_alerts_evicted_total', help: 'Open alerts the API\'s latest-state cache forgot at its cap (oldest first)', registers: [r] }));
      new client.Gauge({
        name: 'telltale_latest_open_alerts_cap_reached', help: '1 once the latest-state cache has evicted an open alert', registers: [r],
        collect() {
          evicted({}, latest.evictedOpenAlerts);
          this.set(latest.evictedOpenAlerts > 0 ? 1 : 0);
        },
      });
    }
  }

  /** Disk full: the state of the outbox and the InfluxDB disk queue, and their memory buffers. */
  #storageMetrics(src: MetricSources): void {
    const r = this.registry;
    type Store = { state: StorageState; memory: number; pendingDeletes: number; dropped: Record<string, number>; refused?: number };
    const stores = (): Map<string, Store> => {
      const out = new Map<string, Store>();
      const u = src.uplink?.status().storage;
      if (u) out.set('outbox', { state: u.state, memory: u.memory.held, pendingDeletes: u.pendingDeletes, dropped: u.memory.dropped, refused: u.memory.refused });
      const t = src.tsdb?.metrics().storage;
      if (t) out.set('tsdb_queue', { state: t.state, memory: t.memory.points, pendingDeletes: t.pendingDeletes, dropped: t.memory.dropped });
      return out;
    };
    let current = new Map<string, Store>();
    new client.Gauge({
      name: 'telltale_disk_full', help: '1 while the outbox or the InfluxDB disk queue cannot write because the disk is full', registers: [r],
      collect() {
        // The first storage metric of a scrape reads the sources; the others use what it read.
        current = stores();
        this.set([...current.values()].some((s) => s.state === 'disk-full') ? 1 : 0);
        for (const [component, s] of current) {
          for (const [cls, n] of Object.entries(s.dropped)) dropped({ component, class: cls }, n);
          if (s.refused !== undefined) refused({}, s.refused);
        }
      },
    });
    const dropped = mirrored(new client.Counter({ name: 'telltale_memory_buffer_dropped_total', help: 'Messages (outbox) or points (tsdb_queue) the memory buffer of a full disk dropped at its cap, per class/kind', labelNames: ['component', 'class'], registers: [r] }));
    const refused = mirrored(new client.Counter({ name: 'telltale_uplink_alerts_refused_total', help: 'Alerts refused because the outbox could not store and its memory buffer held nothing but alerts', registers: [r] }));
    new client.Gauge({
      name: 'telltale_storage_state', help: '1 for the current state of each store (ok, disk-full, failing)', labelNames: ['component', 'state'], registers: [r],
      collect() {
        for (const [component, s] of current) for (const state of STATES) this.set({ component, state }, s.state === state ? 1 : 0);
      },
    });
    new client.Gauge({
      name: 'telltale_memory_buffered', help: 'Messages (outbox) or points (tsdb_queue) waiting in memory because the store cannot write', labelNames: ['component'], registers: [r],
      collect() { for (const [component, s] of current) this.set({ component }, s.memory); },
    });
    new client.Gauge({
      name: 'telltale_storage_pending_deletes', help: 'Sent messages / written batches whose delete from the store failed and is retried', labelNames: ['component'], registers: [r],
      collect() { for (const [component, s] of current) this.set({ component }, s.pendingDeletes); },
    });
  }

  /** Call with the duration of one model run, in ms. */
  observeInference(ms: number, model = 'active'): void {
    this.#inference.observe({ model }, ms / 1000);
  }

  requestError(method: string, route: string, statusCode: number): void {
    this.#requestErrors.inc({ method, route, status_code: String(statusCode) });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
