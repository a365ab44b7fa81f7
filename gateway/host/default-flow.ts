/**
 * The flow seeded into a new data dir: each device's config node → one source node per asset → feature-window →
 * (anomaly-score, when given) → influx-write + cloud-uplink, gateway-health → influx-write, a debug view and a status view of every source,
 * tidily laid out in columns with comments. Raw samples go to InfluxDB and only to the uplink's byte count.
 */
import type { ModbusRtuDevice, ModbusTcpDevice, SerialBus } from '../acquisition/modbus/config.ts';
import type { OpcUaDevice } from '../acquisition/opcua/config.ts';
import { join, resolve } from 'node:path';
import type { DeviceConfig, GatewayConfig } from '../config/schema.ts';

export type FlowNode = Record<string, unknown> & { id: string; type: string };

export interface DefaultFlowOptions {
  /** Serial buses of RTU devices (by id). */
  buses?: readonly SerialBus[];
  /** OPC UA devices get a subscribe node for their first asset only (the demo shows both protocols, not twice the data). */
  opcuaFirstAssetOnly?: boolean;
  label?: string;
  /** Detection and storage after the sources; without it the flow is sources → debug only (foundation flow). */
  pipeline?: PipelineOptions;
}

export interface PipelineOptions {
  site: string;
  gateway: string;
  /** InfluxDB URL, e.g. `${TELLTALE_INFLUX_URL}` (Node-RED fills env vars in at start, so a kept flow follows the flags). */
  influxUrl: string;
  /** MQTT broker URL, same form. */
  mqttUrl: string;
  /** Samples per feature window and the hop between windows. */
  windowSize: number;
  windowHop: number;
  /** Window features per tag (comma-separated); few, so a baseline learns from a short span of windows. */
  features: string;
  /** Tags to window (comma-separated); '' = every numeric tag of the asset. */
  tags: string;
  summaryPeriodS: number;
  /** Fields of an `anomaly-score` node between feature-window and the outputs; omitted when that node is not installed. */
  anomalyScore?: Record<string, unknown>;
  /**
   * Write through the gateway's own outputs (gateway.yaml `tsdb:` / `uplink:`) instead of URLs: influx-write with
   * target "gateway", cloud-uplink with no broker, only for the outputs that are configured. The gateway then stores
   * raw samples, counts their bytes and writes its health itself, so sources feed only the feature window and there
   * is no gateway-health node. influxUrl/mqttUrl are ignored.
   */
  gatewayOutputs?: { tsdb: boolean; uplink: boolean };
}

/** anomaly-score learning each asset's baseline on the device from its first `learnWindows` windows (PCA, threshold 3 × the largest training score). */
export function learningScoreFields(learnWindows: number, dir: string): Record<string, unknown> {
  return {
    name: 'anomaly score (learns baseline)', model: '', learn: true, family: 'pca', learnWindows, learnMinutes: '',
    learnQuantile: 1, learnMargin: 3, int8: false, dir, threshold: '', smoothing: 3, closeRatio: 0.7, minOpenWindows: 3, minCloseWindows: 3,
    topK: 3, driftReference: 200, driftWindow: 100, driftStatistic: 'psi',
  };
}

const TAB = 'telltale-tab';
const ROW = 60;
const SOURCE_X = 200;
const FEATURE_X = 460;
const SCORE_X = 680;
const GATE_X = 880;
const OUTPUT_X = 1080;
const DEBUG_X = 1080;

/** Stable, readable node ids so a re-seeded flow diffs cleanly. */
const nid = (...parts: string[]) => parts.join('.').replace(/[^A-Za-z0-9_.-]/g, '_');

/** Tags of one device grouped by asset, in file order. */
function byAsset<T extends { asset?: string }>(device: { id: string; asset?: string; tags: readonly T[] }): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const tag of device.tags) {
    const asset = tag.asset ?? device.asset ?? device.id;
    groups.set(asset, [...(groups.get(asset) ?? []), tag]);
  }
  return groups;
}

function modbusConfigNode(d: ModbusTcpDevice | ModbusRtuDevice, buses: readonly SerialBus[]): FlowNode {
  const common = { id: nid('cfg', d.id), name: d.id, unitId: d.unitId, timeoutMs: d.timeoutMs, retries: d.retries, order: d.order, maxGap: d.maxGap };
  if (d.protocol === 'modbus-tcp') return { ...common, type: 'modbus-device', transport: 'tcp', host: d.host, port: d.port };
  const bus = buses.find((b) => b.id === d.bus);
  return {
    ...common, type: 'modbus-device', transport: 'rtu', serialPath: bus?.path ?? '', baudRate: bus?.baudRate ?? 19200,
    parity: bus?.parity ?? 'even', dataBits: bus?.dataBits ?? 8, stopBits: bus?.stopBits ?? 1,
  };
}

function opcuaConfigNode(d: OpcUaDevice): FlowNode {
  // Username/password are credentials: they are never written into the flow file.
  return { id: nid('cfg', d.id), type: 'opcua-endpoint', name: d.id, endpoint: d.endpoint, securityMode: d.securityMode, securityPolicy: d.securityPolicy };
}

/** feature-window → anomaly-score? → influx-write + cloud-uplink (+ a debug view of scores and alerts). */
function pipelineNodes(p: PipelineOptions, top: number): { nodes: FlowNode[]; inputs: string[] } {
  const ids = { window: nid('features'), score: nid('anomaly-score'), influx: nid('influx'), uplink: nid('uplink'), broker: nid('cfg', 'cloud'), debug: nid('debug', 'detection'), alerts: nid('debug', 'alerts'), health: nid('gateway-health') };
  const identity = { site: p.site, gateway: p.gateway };
  // An output whose URL comes from an env var is gated on it being set: without it, messages stop here quietly
  // (the demo's log says once what is not connected) instead of each one failing in the output node.
  const gates: FlowNode[] = [];
  const gated = (target: string, url: string, name: string, y: number): string => {
    const env = /^\$\{(\w+)\}$/.exec(url)?.[1];
    if (!env) return target;
    const id = nid('gate', target);
    gates.push({
      id, type: 'switch', z: TAB, name, property: env, propertyType: 'env', rules: [{ t: 'nempty' }], checkall: 'true', repair: false,
      outputs: 1, x: GATE_X, y, wires: [[target]],
    });
    return id;
  };
  const gw = p.gatewayOutputs;
  const outputs = gw
    ? [...(gw.tsdb ? [ids.influx] : []), ...(gw.uplink ? [ids.uplink] : [])]
    : [gated(ids.influx, p.influxUrl, 'if InfluxDB URL set', top), gated(ids.uplink, p.mqttUrl, 'if MQTT URL set', top + ROW)];
  const toInflux = gw ? (gw.tsdb ? [ids.influx] : []) : [outputs[0]];
  const nodes: FlowNode[] = [
    ...(gw ? [] : [{
      id: ids.broker, type: 'mqtt-cloud', name: 'cloud broker', broker: p.mqttUrl, clientId: '', ...identity, ca: '', cert: '', key: '',
      rejectUnauthorized: true, summaryPeriodS: p.summaryPeriodS, format: 'json', sparkplugGroup: '', maxMessages: 100000,
    }]),
    {
      id: ids.window, type: 'feature-window', z: TAB, name: `window ${p.windowSize}/${p.windowHop}`, tags: p.tags, size: p.windowSize, hop: p.windowHop,
      features: p.features, vector: false, x: FEATURE_X, y: top,
      wires: [p.anomalyScore ? [ids.score, ...outputs] : [...outputs, ids.debug]],
    },
    // anomaly-score's outputs: scores, alert open/update/close events, drift events (InfluxDB's drift measurement and
    // debug; not the uplink: drift is not an alert).
    ...(p.anomalyScore
      ? [{ ...p.anomalyScore, id: ids.score, type: 'anomaly-score', z: TAB, x: SCORE_X, y: top, wires: [[...outputs, ids.debug], [...outputs, ids.debug, ids.alerts], [...toInflux, ids.debug]] }]
      : []),
    // Alert open/close events only, on in the debug sidebar: what an operator watches (scores would flood it).
    ...(p.anomalyScore
      ? [{
        id: ids.alerts, type: 'debug', z: TAB, name: 'alerts', active: true, tosidebar: true, console: false, tostatus: true,
        complete: 'payload', targetType: 'msg', statusVal: 'topic', statusType: 'msg', x: GATE_X, y: top + 2 * ROW, wires: [],
      }]
      : []),
    ...(gw && !gw.tsdb ? [] : [{
      id: ids.influx, type: 'influx-write', z: TAB, name: gw ? 'InfluxDB (gateway)' : 'InfluxDB buffer', target: gw ? 'gateway' : 'url', url: gw ? '' : p.influxUrl, db: '', ...identity,
      batchSize: 5000, flushIntervalMs: 1000, x: OUTPUT_X, y: top, wires: [],
    }]),
    // The gateway's own health (device counters, memory, loop lag) for the Gateway health dashboard: InfluxDB only.
    // With gateway outputs the gateway writes it itself.
    ...(gw ? [] : [{ id: ids.health, type: 'gateway-health', z: TAB, name: 'gateway health', intervalS: 10, component: 'gateway', x: SCORE_X, y: top + 2 * ROW, wires: [toInflux] }]),
    ...(gw && !gw.uplink ? [] : [{ id: ids.uplink, type: 'cloud-uplink', z: TAB, name: gw ? 'alerts + summaries (gateway uplink)' : 'alerts + summaries', broker: gw ? '' : ids.broker, forward: '', x: OUTPUT_X, y: top + ROW, wires: [] }]),
    {
      id: ids.debug, type: 'debug', z: TAB, name: p.anomalyScore ? 'scores and alerts' : 'features', active: false, tosidebar: true, console: false,
      tostatus: true, complete: 'payload', targetType: 'msg', statusVal: 'topic', statusType: 'msg', x: OUTPUT_X, y: top + 2 * ROW, wires: [],
    },
  ];
  nodes.push(...gates);
  // Sources feed the window, InfluxDB (raw samples stay on site) and the uplink, which only counts their bytes;
  // with gateway outputs the gateway does both of the latter itself.
  return { nodes, inputs: gw ? [ids.window] : [ids.window, ...outputs] };
}

export function defaultFlow(devices: readonly DeviceConfig[], opts: DefaultFlowOptions = {}): FlowNode[] {
  const nodes: FlowNode[] = [];
  const sources: string[] = [];
  const debugId = nid('debug', 'samples');
  const pipeline = opts.pipeline && pipelineNodes(opts.pipeline, 140);
  const debugY = pipeline ? 140 + 3 * ROW : 140;
  let y = 140;
  const fed = new Set<string>();
  const place = (source: FlowNode) => {
    // One source per asset feeds the pipeline: a second one (the demo's OPC UA copy) would mix two streams in a window.
    const inputs = pipeline && !fed.has(String(source.asset)) ? pipeline.inputs : [];
    fed.add(String(source.asset));
    nodes.push({ ...source, z: TAB, x: SOURCE_X, y, wires: [[...inputs, debugId]] });
    sources.push(source.id);
    y += ROW;
  };

  for (const d of devices) {
    if (d.protocol === 'opcua') {
      nodes.push(opcuaConfigNode(d));
      const groups = [...byAsset(d)].slice(0, opts.opcuaFirstAssetOnly ? 1 : undefined);
      for (const [asset, tags] of groups) {
        place({
          id: nid('opcua', d.id, asset), type: 'opcua-subscribe', name: `${asset} (OPC UA)`, endpoint: nid('cfg', d.id), asset,
          samplingIntervalMs: d.samplingIntervalMs, deadbandType: 'none', deadbandValue: 0,
          tags: tags.map((t) => ({ name: t.name, nodeId: t.nodeId, unit: t.unit ?? '' })),
        });
      }
      continue;
    }
    nodes.push(modbusConfigNode(d, opts.buses ?? []));
    for (const [asset, tags] of byAsset(d)) {
      place({
        id: nid('modbus', d.id, asset), type: 'modbus-read', name: `${asset} (Modbus)`, device: nid('cfg', d.id), asset,
        intervalMs: d.pollIntervalMs,
        tags: tags.map((t) => ({
          name: t.name, table: t.table, address: t.address, type: t.type, order: t.order ?? '', bit: t.bit ?? '',
          length: t.length ?? '', scale: t.scale, offset: t.offset, unit: t.unit ?? '',
        })),
      });
    }
  }
  if (pipeline) nodes.push(...pipeline.nodes);

  const statusId = nid('status', 'sources');
  const statusDebugId = nid('debug', 'status');
  const bottom = Math.max(y, debugY + ROW) + 40;
  const middle = pipeline
    ? { name: 'Features → scores → storage and uplink', info: 'feature-window turns each asset\'s samples into window features; anomaly-score (when installed) scores them and opens/closes alerts; influx-write keeps samples, features, scores, alerts and gateway-health readings on site (disk queue while InfluxDB is down); cloud-uplink sends only alerts and per-asset summaries over MQTT (durable outbox).' }
    : { name: 'Detection and storage go here', info: 'Wire feature-window → model → anomaly-score and influx-write / cloud-uplink between the sources and the debug view.' };
  return [
    { id: TAB, type: 'tab', label: opts.label ?? 'Telltale', info: 'Seeded by Telltale on first start. Edit freely; it is not overwritten.' },
    {
      id: nid('comment', 'intro'), type: 'comment', z: TAB, x: SOURCE_X, y: 40, wires: [], name: 'Sources: one node per asset',
      info: 'Each source node polls (Modbus) or subscribes to (OPC UA) the tags of one asset and sends `{ asset, ts, values, quality }`.',
    },
    { id: nid('comment', 'detection'), type: 'comment', z: TAB, x: pipeline ? SCORE_X : 510, y: 40, wires: [], ...middle },
    ...(pipeline ? [] : [{ id: nid('comment', 'outputs'), type: 'comment', z: TAB, x: DEBUG_X, y: 40, wires: [], name: 'Live view (debug sidebar)' }]),
    ...nodes.filter((n) => n.z === undefined),
    ...nodes.filter((n) => n.z !== undefined),
    {
      id: debugId, type: 'debug', z: TAB, name: 'samples', active: true, tosidebar: true, console: false, tostatus: true,
      complete: 'payload', targetType: 'msg', statusVal: 'topic', statusType: 'msg', x: DEBUG_X, y: debugY, wires: [],
    },
    {
      // Node-RED places a node by its centre: a long comment sits further right so it does not run off the tab.
      id: nid('comment', 'status'), type: 'comment', z: TAB, x: SOURCE_X + 70, y: bottom, wires: [], name: 'Status view: connection and quality changes',
    },
    { id: statusId, type: 'status', z: TAB, name: 'source status', scope: sources, x: SOURCE_X, y: bottom + ROW, wires: [[statusDebugId]] },
    {
      id: statusDebugId, type: 'debug', z: TAB, name: 'status changes', active: true, tosidebar: true, console: false, tostatus: true,
      complete: 'status', targetType: 'msg', statusVal: 'status.text', statusType: 'msg', x: DEBUG_X, y: bottom + ROW, wires: [],
    },
  ];
}

/**
 * The flow `telltale start` seeds: the sources of every configured device, and with a `tsdb:` or `uplink:` section
 * features (mean, std over 16 samples, hop 4) → anomaly-score learning each asset's baseline on the device (bundles
 * under `<dataDir>/learned-models`) → the gateway's own InfluxDB writer and uplink.
 */
export function startFlow(config: GatewayConfig, opts: { learnWindows: number }): FlowNode[] {
  const { devices, buses, tsdb, uplink, gateway } = config;
  const pipeline: PipelineOptions | undefined = tsdb || uplink
    ? {
      site: gateway.site, gateway: gateway.id, influxUrl: '', mqttUrl: '', windowSize: 16, windowHop: 4, features: 'mean,std', tags: '',
      summaryPeriodS: (uplink?.summaryPeriodMs ?? 300_000) / 1000, gatewayOutputs: { tsdb: tsdb !== undefined, uplink: uplink !== undefined },
      anomalyScore: learningScoreFields(opts.learnWindows, join(resolve(gateway.dataDir), 'learned-models')),
    }
    : undefined;
  return defaultFlow(devices, { buses, label: gateway.site, ...(pipeline ? { pipeline } : {}) });
}
