/**
 * The flow seeded into a new data dir: each device's config node → one source node per asset → a debug view,
 * plus a status view of every source, tidily laid out with comments. Columns are left free between the sources
 * and the outputs for the detection and storage nodes of later issues.
 */
import type { ModbusRtuDevice, ModbusTcpDevice, SerialBus } from '../acquisition/modbus/config.ts';
import type { OpcUaDevice } from '../acquisition/opcua/config.ts';
import type { DeviceConfig } from '../config/schema.ts';

export type FlowNode = Record<string, unknown> & { id: string; type: string };

export interface DefaultFlowOptions {
  /** Serial buses of RTU devices (by id). */
  buses?: readonly SerialBus[];
  /** OPC UA devices get a subscribe node for their first asset only (the demo shows both protocols, not twice the data). */
  opcuaFirstAssetOnly?: boolean;
  label?: string;
}

const TAB = 'telltale-tab';
const ROW = 60;
const SOURCE_X = 200;
const DEBUG_X = 820;

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

export function defaultFlow(devices: readonly DeviceConfig[], opts: DefaultFlowOptions = {}): FlowNode[] {
  const nodes: FlowNode[] = [];
  const sources: string[] = [];
  const debugId = nid('debug', 'samples');
  let y = 140;
  const place = (source: FlowNode) => {
    nodes.push({ ...source, z: TAB, x: SOURCE_X, y, wires: [[debugId]] });
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

  const statusId = nid('status', 'sources');
  const statusDebugId = nid('debug', 'status');
  const bottom = Math.max(y, 200) + 40;
  return [
    { id: TAB, type: 'tab', label: opts.label ?? 'Telltale', info: 'Seeded by Telltale on first start. Edit freely; it is not overwritten.' },
    {
      id: nid('comment', 'intro'), type: 'comment', z: TAB, x: SOURCE_X, y: 40, wires: [], name: 'Sources: one node per asset',
      info: 'Each source node polls (Modbus) or subscribes to (OPC UA) the tags of one asset and sends `{ asset, ts, values, quality }`.',
    },
    {
      id: nid('comment', 'detection'), type: 'comment', z: TAB, x: 510, y: 40, wires: [], name: 'Detection and storage go here',
      info: 'Wire feature-window → model → anomaly-score and influx-write / cloud-uplink between the sources and the debug view.',
    },
    { id: nid('comment', 'outputs'), type: 'comment', z: TAB, x: DEBUG_X, y: 40, wires: [], name: 'Live view (debug sidebar)' },
    ...nodes.filter((n) => n.z === undefined),
    ...nodes.filter((n) => n.z !== undefined),
    {
      id: debugId, type: 'debug', z: TAB, name: 'samples', active: true, tosidebar: true, console: false, tostatus: true,
      complete: 'payload', targetType: 'msg', statusVal: 'topic', statusType: 'msg', x: DEBUG_X, y: 140, wires: [],
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
