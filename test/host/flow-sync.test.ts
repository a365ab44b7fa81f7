import { describe, expect, it } from 'vitest';
import { startFlow, type FlowNode } from '../../gateway/host/default-flow.ts';
import { MANAGED_TAB, syncFlow } from '../../gateway/host/flow-sync.ts';
import type { DeviceConfig, GatewayConfig } from '../../gateway/config/schema.ts';

const device = (id: string, assets: string[]): DeviceConfig => ({
  protocol: 'modbus-tcp', id, host: '127.0.0.1', port: 5020, unitId: 1, timeoutMs: 1000, retries: 1, pollIntervalMs: 100, order: 'ABCD', maxGap: 16,
  maxRegistersPerRead: 125, maxBitsPerRead: 2000, backoff: { initialMs: 500, maxMs: 30000 },
  tags: assets.flatMap((a, i) => [{ name: 'flow', asset: a, table: 'holding', address: i * 4, type: 'float32', scale: 1, offset: 0 }, { name: 'current', asset: a, table: 'holding', address: i * 4 + 2, type: 'float32', scale: 1, offset: 0 }]),
} as unknown as DeviceConfig);
const config = (devices: DeviceConfig[]) => ({ gateway: { id: 'g', site: 's', dataDir: '/tmp/telltale-x' }, devices, tsdb: { url: 'http://127.0.0.1:8086/x' }, uplink: { url: 'mqtt://127.0.0.1' } }) as unknown as GatewayConfig;
const generate = (devices: DeviceConfig[]) => startFlow(config(devices), { learnWindows: 30 });
const sources = (flow: FlowNode[], z?: string) => flow.filter((n) => n.type === 'modbus-read' && (z === undefined || n.z === z)).map((n) => n.asset).sort();

/** Every id a node refers to (wires, device, scope) exists in the flow: what Node-RED needs to load it. */
function dangling(flow: FlowNode[]): string[] {
  const ids = new Set(flow.map((n) => n.id));
  const refs = flow.flatMap((n) => [...((n.wires as string[][] | undefined) ?? []).flat(), ...(typeof n.device === 'string' ? [n.device] : []), ...((n.scope as string[] | undefined) ?? [])]);
  return refs.filter((r) => !ids.has(r));
}

describe('syncFlow', () => {
  const kept = generate([device('plant', ['pump-1', 'pump-2'])]);

  it('changes nothing while the kept flow reads every configured asset', () => {
    const r = syncFlow(kept, config([device('plant', ['pump-1', 'pump-2'])]), generate);
    expect(r).toMatchObject({ changed: false, managed: [], unconfigured: [] });
    expect(r.flow).toEqual(kept);
  });

  it('gives an asset added later its own pipeline on the managed tab, reusing the device\'s connection', () => {
    const r = syncFlow(kept, config([device('plant', ['pump-1', 'pump-2', 'pump-3'])]), generate);
    expect(r.changed).toBe(true);
    expect(r.managed).toEqual(['pump-3 (device plant)']);
    expect(sources(r.flow, MANAGED_TAB)).toEqual(['pump-3']);
    expect(sources(r.flow)).toEqual(['pump-1', 'pump-2', 'pump-3']);
    const managed = r.flow.filter((n) => n.z === MANAGED_TAB);
    expect(managed.map((n) => n.type)).toEqual(expect.arrayContaining(['feature-window', 'anomaly-score', 'influx-write', 'cloud-uplink']));
    // One Modbus connection per device: the managed source uses the kept config node.
    expect(managed.find((n) => n.type === 'modbus-read')!.device).toBe('cfg.plant');
    expect(r.flow.filter((n) => n.type === 'modbus-device')).toHaveLength(1);
    expect(new Set(r.flow.map((n) => n.id)).size).toBe(r.flow.length);
    expect(dangling(r.flow)).toEqual([]);
    // The kept nodes are the same objects' content, untouched.
    expect(r.flow.filter((n) => n.z !== MANAGED_TAB && n.id !== MANAGED_TAB)).toEqual(kept);
    // Idempotent: the synced flow is in step.
    expect(syncFlow(r.flow, config([device('plant', ['pump-1', 'pump-2', 'pump-3'])]), generate).changed).toBe(false);
  });

  it('adds a new device with its own connection, and drops the managed tab once the user reads the asset on a tab of their own', () => {
    const both = config([device('plant', ['pump-1', 'pump-2']), device('line-b', ['fan-1'])]);
    const r = syncFlow(kept, both, generate);
    expect(r.managed).toEqual(['fan-1 (device line-b)']);
    expect(r.flow.filter((n) => n.type === 'modbus-device').map((n) => n.id).sort()).toEqual(['cfg.plant', `${MANAGED_TAB}.cfg.line-b`]);
    expect(dangling(r.flow)).toEqual([]);
    // The user moves fan-1 to a tab of their own: the managed tab goes away, their nodes stay.
    const mine: FlowNode[] = [{ id: 'mine', type: 'tab' }, { id: 'my-fan', type: 'modbus-read', z: 'mine', asset: 'fan-1', device: `${MANAGED_TAB}.cfg.line-b`, wires: [] }];
    const moved = syncFlow([...r.flow.filter((n) => n.z !== MANAGED_TAB && n.id !== MANAGED_TAB), r.flow.find((n) => n.id === `${MANAGED_TAB}.cfg.line-b`)!, ...mine], both, generate);
    expect(moved.managed).toEqual([]);
    expect(moved.flow.some((n) => n.z === MANAGED_TAB)).toBe(false);
    expect(moved.flow.find((n) => n.id === 'my-fan')).toBeDefined();
  });

  it('reports a source whose asset or device left gateway.yaml, and keeps it; a disabled source counts as not reading', () => {
    const r = syncFlow(kept, config([device('plant', ['pump-1'])]), generate);
    expect(r.unconfigured).toEqual(['pump-2 (device plant)']);
    expect(sources(r.flow)).toEqual(['pump-1', 'pump-2']);
    const disabled = kept.map((n) => (n.type === 'modbus-read' && n.asset === 'pump-2' ? { ...n, d: true } : n));
    expect(syncFlow(disabled, config([device('plant', ['pump-1', 'pump-2'])]), generate).managed).toEqual(['pump-2 (device plant)']);
  });
});
