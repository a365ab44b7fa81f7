/**
 * The stock Node-RED peer of `telltale bench --peer` (issue 6): the flow an engineer builds today, as flows.json.
 * node-red-contrib-modbus 5.23.3 modbus-read nodes poll the scale simulator (the same register layout as the
 * Telltale step: per asset 100 float32 tags = 200 holding registers, read as 2 requests of 100 registers = 50
 * values, the most that fits one 125-register request in whole 50-tag halves), a function node computes the same
 * features (mean + population std per tag over tumbling windows of rate/2 samples) and node-red-contrib-influxdb
 * 0.7.0's `influxdb batch` node writes one point per closed window.
 *
 * Variants: `shared` (one modbus-client, every modbus-read on it: the default an engineer wires) and `per-reader`
 * (one modbus-client per modbus-read: the best stock variant). Instrumentation, kept off the data path: the
 * features function counts values and buckets data age (now − the second the read was queued, from the request's
 * bson ObjectId: 1 s resolution); an inject every second asks a modbus-queue-info node per client for its queue
 * (levels set out of reach so the node itself never warns: the peer stays as silent as stock); GET /peer-stats
 * returns the counters.
 */
import { plannedGatewayConfig } from '../simulator/index.ts';
import type { ModbusTcpDevice } from '../acquisition/modbus/config.ts';

export type PeerVariant = 'shared' | 'per-reader';

export interface PeerFlowOptions {
  assets: number;
  tagsPerAsset: number;
  /** Samples per second per tag: every modbus-read polls at 1000/rate ms. */
  rate: number;
  simPort: number;
  influx: { host: string; port: number; database: string };
  variant: PeerVariant;
  /** float32 values per modbus-read (2 registers each); default 50. */
  valuesPerRead?: number;
  /** Samples per tumbling window; default max(2, round(rate / 2)) as in the Telltale step. */
  window?: number;
}

export interface PeerFlow {
  flow: Record<string, unknown>[];
  readers: number;
  clients: number;
  window: number;
  /** Path of the stats endpoint (http-in). */
  statsPath: string;
}

/** Counters the flow keeps in global context and serves at statsPath. */
export interface PeerStats {
  values: number;
  reads: number;
  windows: number;
  /** Data age histogram since the previous stats request: 100 ms bin index → reads. Upper bound (1 s resolution). */
  ages: Record<string, number>;
  /** modbus-client name → requests waiting in its queue at the last 1 s sample. */
  queue: Record<string, number>;
  /** Age of the oldest queued request per client at the last sample, ms (upper bound, 1 s resolution). */
  oldestQueuedMs: Record<string, number>;
}

const STATS_PATH = '/peer-stats';
const TAB = 'peer-tab';

// The features function: what an engineer writes (decode float32 pairs, sum and sum of squares per tag, emit at the
// window's end), plus two counters and the age bucket.
const FEATURES_INIT = `
const st = { values: 0, reads: 0, windows: 0, ages: {}, queue: {}, oldestQueuedMs: {}, win: {} };
st.u32 = new Uint32Array(1);
st.f32 = new Float32Array(st.u32.buffer);
global.set('peerStats', st);
context.set('st', st);
`;

function featuresFunc(window: number, valuesPerRead: number, names: string[]): string {
  return `
const WINDOW = ${window};
const PER_READ = ${valuesPerRead};
const NAMES = ${JSON.stringify(names)};
const st = context.get('st');
const p = msg.payload;
if (!Array.isArray(p)) return null;
const now = Date.now();
const id = msg.input && msg.input.payload && msg.input.payload.messageId;
if (id && typeof id.getTimestamp === 'function') {
  const bin = Math.floor((now - id.getTimestamp().getTime()) / 100);
  st.ages[bin] = (st.ages[bin] || 0) + 1;
}
let w = st.win[msg.topic];
if (w === undefined) {
  const parts = msg.topic.split('/');
  const n = p.length >> 1;
  w = st.win[msg.topic] = { asset: parts[0], first: Number(parts[1]) * PER_READ, n: 0, sum: new Float64Array(n), sq: new Float64Array(n) };
}
const u = st.u32, f = st.f32, len = w.sum.length;
for (let k = 0; k < len; k++) {
  u[0] = ((p[2 * k] << 16) | p[2 * k + 1]) >>> 0;
  const x = f[0];
  w.sum[k] += x;
  w.sq[k] += x * x;
}
st.values += len;
st.reads++;
if (++w.n < WINDOW) return null;
const fields = {};
for (let k = 0; k < len; k++) {
  const m = w.sum[k] / w.n;
  fields[NAMES[w.first + k] + '_mean'] = m;
  fields[NAMES[w.first + k] + '_std'] = Math.sqrt(Math.max(0, w.sq[k] / w.n - m * m));
}
w.n = 0;
w.sum.fill(0);
w.sq.fill(0);
st.windows++;
return { payload: [{ measurement: 'features', tags: { asset: w.asset }, fields, timestamp: new Date(now) }] };
`;
}

const QUEUE_FUNC = `
const st = global.get('peerStats');
if (!st) return null;
const q = msg.payload.queue;
const name = msg.payload.queueOptions.modbusClientName;
st.queue[name] = Array.isArray(q) ? q.length : 0;
const head = Array.isArray(q) && q.length ? q[0].msg && q[0].msg.payload && q[0].msg.payload.messageId : undefined;
st.oldestQueuedMs[name] = head && typeof head.getTimestamp === 'function' ? Date.now() - head.getTimestamp().getTime() : 0;
return null;
`;

const STATS_FUNC = `
const st = global.get('peerStats');
msg.payload = st ? { values: st.values, reads: st.reads, windows: st.windows, ages: st.ages, queue: st.queue, oldestQueuedMs: st.oldestQueuedMs } : null;
if (st) st.ages = {};
return msg;
`;

/** The read blocks of the simulator's plan: per asset, runs of valuesPerRead float32 tags. */
function readBlocks(o: PeerFlowOptions, per: number): { asset: string; block: number; address: number; count: number }[] {
  const cfg = plannedGatewayConfig({ assets: o.assets, tagsPerAsset: o.tagsPerAsset, rate: o.rate, modbusPort: o.simPort });
  const tags = (cfg.devices[0] as ModbusTcpDevice).tags.filter((t) => t.type === 'float32' && t.table === 'holding');
  const byAsset = new Map<string, typeof tags>();
  for (const t of tags) byAsset.set(t.asset!, [...(byAsset.get(t.asset!) ?? []), t]);
  const out = [];
  for (const [asset, list] of byAsset) {
    for (let b = 0; b * per < list.length; b++) {
      const chunk = list.slice(b * per, (b + 1) * per);
      out.push({ asset, block: b, address: chunk[0].address, count: chunk.length });
    }
  }
  return out;
}

function client(id: string, port: number): Record<string, unknown> {
  // The editor's defaults, pointed at the simulator.
  return {
    id, type: 'modbus-client', name: `simulator ${id.replace('mb-client', 'client')}`, clienttype: 'tcp', bufferCommands: true, stateLogEnabled: false, queueLogEnabled: false, failureLogEnabled: true,
    tcpHost: '127.0.0.1', tcpPort: String(port), tcpType: 'DEFAULT', serialPort: '/dev/ttyUSB', serialType: 'RTU-BUFFERD', serialBaudrate: '9600',
    serialDatabits: '8', serialStopbits: '1', serialParity: 'none', serialConnectionDelay: '100', serialAsciiResponseStartDelimiter: '0x3A',
    unit_id: '1', commandDelay: '1', clientTimeout: '1000', reconnectOnTimeout: true, reconnectTimeout: '2000', parallelUnitIdsAllowed: true,
  };
}

export function buildPeerFlow(o: PeerFlowOptions): PeerFlow {
  const per = o.valuesPerRead ?? 50;
  const window = o.window ?? Math.max(2, Math.round(o.rate / 2));
  const periodMs = Math.max(1, Math.round(1000 / o.rate));
  const blocks = readBlocks(o, per);
  const names = [...new Set((plannedGatewayConfig({ assets: 1, tagsPerAsset: o.tagsPerAsset, rate: o.rate, modbusPort: o.simPort }).devices[0] as ModbusTcpDevice).tags.filter((t) => t.type === 'float32').map((t) => t.name))];
  const clients: Record<string, unknown>[] = o.variant === 'shared' ? [client('mb-client', o.simPort)] : blocks.map((_, i) => client(`mb-client-${i + 1}`, o.simPort));
  const reads = blocks.map((b, i) => ({
    id: `read-${i + 1}`, type: 'modbus-read', z: TAB, name: `${b.asset} ${b.block}`, topic: `${b.asset}/${b.block}`,
    showStatusActivities: false, logIOActivities: false, showErrors: false, unitid: '1', dataType: 'HoldingRegister',
    adr: String(b.address), quantity: String(2 * b.count), rate: String(periodMs), rateUnit: 'ms', delayOnStart: false, startDelayTime: '',
    server: clients[o.variant === 'shared' ? 0 : i].id, useIOFile: false, ioFile: '', useIOForPayload: false, emptyMsgOnFail: false,
    x: 150, y: 40 + 40 * i, wires: [['features'], []],
  }));
  const queueInfos = clients.map((c, i) => ({
    id: `queue-${i + 1}`, type: 'modbus-queue-info', z: TAB, name: '', topic: '', unitid: 1, queueReadIntervalTime: 1000,
    lowLowLevel: 1e9, lowLevel: 2e9, highLevel: 3e9, highHighLevel: 4e9, server: c.id, errorOnHighLevel: false,
    showStatusActivities: false, updateOnAllQueueChanges: false, updateOnAllUnitQueues: false, x: 750, y: 40 + 40 * i, wires: [['queue-monitor']],
  }));
  const fn = (id: string, name: string, func: string, wires: string[][], initialize = '') => ({
    id, type: 'function', z: TAB, name, func, outputs: wires.length, timeout: 0, noerr: 0, initialize, finalize: '', libs: [], x: 400, y: 40, wires,
  });
  const flow: Record<string, unknown>[] = [
    { id: TAB, type: 'tab', label: 'stock peer', disabled: false, info: '' },
    ...clients,
    { id: 'influx', type: 'influxdb', hostname: o.influx.host, port: String(o.influx.port), protocol: 'http', database: o.influx.database, name: 'bench influxd', usetls: false, tls: '', influxdbVersion: '1.x', url: `http://${o.influx.host}:${o.influx.port}`, rejectUnauthorized: true },
    ...reads,
    fn('features', 'mean + std per tag', featuresFunc(window, per, names), [['influx-batch']], FEATURES_INIT),
    { id: 'influx-batch', type: 'influxdb batch', z: TAB, influxdb: 'influx', precision: 'ms', retentionPolicy: '', name: 'features → InfluxDB', database: '', precisionV18FluxV20: 'ms', retentionPolicyV18Flux: '', org: '', bucket: '', x: 600, y: 40, wires: [] },
    { id: 'queue-tick', type: 'inject', z: TAB, name: 'every 1 s', props: [{ p: 'payload' }], repeat: '1', crontab: '', once: true, onceDelay: 0.5, topic: '', payload: '', payloadType: 'date', x: 550, y: 40, wires: [queueInfos.map((q) => q.id)] },
    ...queueInfos,
    fn('queue-monitor', 'queue lengths', QUEUE_FUNC, []),
    { id: 'stats-in', type: 'http in', z: TAB, name: '', url: STATS_PATH, method: 'get', upload: false, swaggerDoc: '', x: 150, y: 0, wires: [['stats']] },
    fn('stats', 'stats', STATS_FUNC, [['stats-out']]),
    { id: 'stats-out', type: 'http response', z: TAB, name: '', statusCode: '', headers: {}, x: 600, y: 0, wires: [] },
  ];
  return { flow, readers: reads.length, clients: clients.length, window, statsPath: STATS_PATH };
}
