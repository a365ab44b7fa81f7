/**
 * Gateway health: throughput, errors, reconnects, outbox backlog, bandwidth, inference latency and memory.
 * Two sources: what the pipeline stores anyway (samples, their quality) and the `health` measurement — the
 * `{ metrics, ts, component }` messages a flow sends to influx-write, with the field names in HEALTH_FIELDS.
 */
import type { Dashboard } from '@grafana/schema';
import { dashboardBase, influxql, stat, timeseries } from './panels.ts';

/** Fields of the `health` measurement these panels read (documented in dashboards/README.md). */
export const HEALTH_FIELDS = [
  'samples_per_s', 'read_errors', 'reconnects', 'outbox_backlog', 'outbox_age_s', 'bytes_in', 'bytes_out',
  'inference_ms_p50', 'inference_ms_p99', 'rss_bytes', 'heap_used_bytes', 'event_loop_lag_ms',
] as const;

const health = (fields: string, extra = '') =>
  `SELECT ${fields} FROM "health" WHERE $timeFilter${extra} GROUP BY time($__interval), "gateway", "component" fill(none)`;

/** A stat of the newest value of one health field, in the top row. */
const latest = (id: number, title: string, field: string, x: number, extra: Partial<Parameters<typeof stat>[0]>) => stat({
  id, title, at: [x, 0, 6, 4],
  targets: [influxql('A', `SELECT last("${field}") FROM "health" WHERE $timeFilter`)],
  options: { colorMode: 'none' },
  ...extra,
});

export const gatewayHealth = {
  ...dashboardBase('telltale-gateway-health', 'Telltale — gateway health', 'Is the gateway keeping up: reads, errors, uplink backlog, bandwidth, inference and memory'),
  panels: [
    latest(1, 'Samples/s', 'samples_per_s', 0, { unit: 'reqps' }),
    latest(2, 'Outbox backlog', 'outbox_backlog', 6, {
      description: 'Alerts and summaries waiting for the broker',
      thresholds: [{ color: 'green', value: null }, { color: 'orange', value: 100 }, { color: 'red', value: 10000 }],
      options: {},
    }),
    latest(3, 'Inference p99', 'inference_ms_p99', 12, { unit: 'ms' }),
    latest(4, 'Memory (RSS)', 'rss_bytes', 18, { unit: 'bytes' }),
    timeseries({
      id: 5, title: 'Stored readings/s, good and bad, per device', at: [0, 4, 12, 8],
      description: 'From the _good/_bad counts every stored sample batch carries, so it works without any health messages',
      targets: [
        influxql('A', 'SELECT sum("_good") * 1000 / $__interval_ms FROM "samples" WHERE $timeFilter GROUP BY time($__interval), "device" fill(0)', 'time_series', 'good $tag_device'),
        influxql('B', 'SELECT sum("_bad") * 1000 / $__interval_ms FROM "samples" WHERE $timeFilter GROUP BY time($__interval), "device" fill(0)', 'time_series', 'bad $tag_device'),
      ],
    }),
    timeseries({
      id: 6, title: 'Samples/s, read errors, reconnects', at: [12, 4, 12, 8],
      targets: [influxql('A', health('mean("samples_per_s") AS "samples/s", max("read_errors") AS "read errors", max("reconnects") AS "reconnects"'), 'time_series', '$col ($tag_component)')],
    }),
    timeseries({
      id: 7, title: 'Outbox backlog and age', at: [0, 12, 12, 8],
      targets: [influxql('A', health('max("outbox_backlog") AS "backlog", max("outbox_age_s") AS "oldest (s)"'), 'time_series', '$col')],
    }),
    timeseries({
      id: 8, title: 'Bytes in / out', at: [12, 12, 12, 8],
      description: 'Bytes read from devices and sent upstream (counters: shown as a rate)',
      targets: [influxql('A', health('non_negative_derivative(max("bytes_in"), 1s) AS "in", non_negative_derivative(max("bytes_out"), 1s) AS "out"'), 'time_series', '$col')],
      unit: 'Bps',
    }),
    timeseries({
      id: 9, title: 'Inference latency', at: [0, 20, 12, 8],
      targets: [influxql('A', health('mean("inference_ms_p50") AS "p50", max("inference_ms_p99") AS "p99"'), 'time_series', '$col')],
      unit: 'ms',
    }),
    timeseries({
      id: 10, title: 'Memory and event-loop lag', at: [12, 20, 12, 8],
      targets: [
        influxql('A', health('max("rss_bytes") AS "rss", max("heap_used_bytes") AS "heap"'), 'time_series', '$col'),
        influxql('B', health('max("event_loop_lag_ms") AS "loop lag"'), 'time_series', '$col'),
      ],
      unit: 'bytes',
    }),
  ],
} satisfies Dashboard;
