/**
 * Keeps a kept flow in step with gateway.yaml (issue 13.1): a device or asset added to the configuration after the
 * first start gets its pipeline on a tab the gateway manages, instead of being acquired and never scored. The user's
 * own tabs are never changed: an asset counts as handled when any source node outside the managed tab reads it
 * (a modbus-read or opcua-subscribe with that `asset`, not disabled). The managed tab is rebuilt at every start from
 * the configuration, so an asset the user wires up on a tab of their own leaves it, and nothing on it needs editing.
 * What the flow reads that the configuration no longer has is reported, not deleted.
 */
import type { DeviceConfig, GatewayConfig } from '../config/schema.ts';
import type { FlowNode } from './default-flow.ts';

/** The tab the gateway owns, and the id prefix of every node it puts there (and of their config nodes). */
export const MANAGED_TAB = 'telltale-managed';
const PREFIX = `${MANAGED_TAB}.`;
const SOURCE_TYPES = new Set(['modbus-read', 'opcua-subscribe']);
/** The fields by which a node of the generated flow refers to another (wires, config nodes, a status node's scope). */
const REF_FIELDS = ['wires', 'device', 'endpoint', 'broker', 'model', 'scope', 'links'] as const;

export interface FlowSyncResult {
  /** The flow to write; the same array when nothing changed. */
  flow: FlowNode[];
  changed: boolean;
  /** Configured assets the managed tab now reads, as `asset (device)`. */
  managed: string[];
  /** Assets a source outside the managed tab reads whose device or asset is not in gateway.yaml. */
  unconfigured: string[];
}

/** The asset of each tag group of a device, as the sources see it. */
function assetsOf(d: DeviceConfig): string[] {
  return [...new Set(d.tags.map((t) => (t as { asset?: string }).asset ?? d.asset ?? d.id))];
}

const isManaged = (n: FlowNode): boolean => n.id === MANAGED_TAB || n.id.startsWith(PREFIX) || n.z === MANAGED_TAB;

/**
 * Renames every node id of a generated flow with the managed prefix and moves its nodes to the managed tab, except
 * config nodes the kept flow already has (reused by id: one Modbus connection per device, as the seeded flow has it).
 */
function relabel(generated: FlowNode[], keptIds: ReadonlySet<string>): FlowNode[] {
  // Only config nodes (no tab) are shared with the kept flow; every node on a tab is the managed tab's own.
  const keep = new Set(generated.filter((n) => n.z === undefined && n.type !== 'tab' && keptIds.has(n.id)).map((n) => n.id));
  const rename = new Map<string, string>();
  for (const n of generated) if (n.type !== 'tab' && !keep.has(n.id)) rename.set(n.id, `${PREFIX}${n.id}`);
  const map = (v: unknown): unknown => {
    if (typeof v === 'string') return rename.get(v) ?? v;
    if (Array.isArray(v)) return v.map(map);
    return v;
  };
  const out: FlowNode[] = [];
  for (const n of generated) {
    if (n.type === 'tab' || keep.has(n.id)) continue;
    const copy: FlowNode = { ...n, id: rename.get(n.id)! };
    for (const k of REF_FIELDS) if (k in n) copy[k] = map(n[k]);
    if (n.z !== undefined) copy.z = MANAGED_TAB;
    out.push(copy);
  }
  return out;
}

/**
 * `generate(devices)` is the flow the gateway would seed for those devices (startFlow for `telltale start`); only the
 * devices with unread assets are given to it, with only those assets' tags.
 */
export function syncFlow(kept: readonly FlowNode[], config: Pick<GatewayConfig, 'devices'>, generate: (devices: DeviceConfig[]) => FlowNode[]): FlowSyncResult {
  const own = kept.filter((n) => !isManaged(n));
  const read = new Set<string>();
  const unconfigured: string[] = [];
  const configured = new Map<string, Set<string>>(config.devices.map((d) => [d.id, new Set(assetsOf(d))]));
  const deviceOfConfigNode = new Map(own.filter((n) => n.type === 'modbus-device' || n.type === 'opcua-endpoint').map((n) => [n.id, String(n.name ?? n.id)]));
  for (const n of own) {
    if (!SOURCE_TYPES.has(n.type) || n.d === true) continue;
    const asset = String(n.asset ?? '');
    read.add(asset);
    const device = deviceOfConfigNode.get(String(n.device ?? n.endpoint ?? ''));
    const known = [...configured.values()].some((s) => s.has(asset));
    if (!known || (device !== undefined && !configured.has(device))) unconfigured.push(`${asset}${device ? ` (device ${device})` : ''}`);
  }
  const missing: DeviceConfig[] = [];
  const managed: string[] = [];
  for (const d of config.devices) {
    const assets = assetsOf(d).filter((a) => !read.has(a));
    if (assets.length === 0) continue;
    const tags = d.tags.filter((t) => assets.includes((t as { asset?: string }).asset ?? d.asset ?? d.id));
    missing.push({ ...d, tags } as DeviceConfig);
    managed.push(...assets.map((a) => `${a} (device ${d.id})`));
  }
  const keepIds = new Set(own.map((n) => n.id));
  const tab: FlowNode[] = missing.length === 0 ? [] : [
    {
      id: MANAGED_TAB, type: 'tab', label: 'Telltale: added devices',
      info: 'Managed by the gateway: the assets of gateway.yaml that no other tab reads, rebuilt at every start. To change one, wire its source up on a tab of your own; it then leaves this tab.',
    },
    ...relabel(generate(missing), keepIds),
  ];
  const flow = [...own, ...tab];
  const before = kept.filter(isManaged);
  const changed = JSON.stringify(before) !== JSON.stringify(tab);
  return { flow: changed ? flow : [...kept], changed, managed, unconfigured };
}
