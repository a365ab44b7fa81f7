import { describe, expect, it } from 'vitest';
import { defaultFlow } from '../../gateway/host/default-flow.ts';
import { validateDevice } from '../../gateway/config/load.ts';
import type { DeviceConfig } from '../../gateway/config/schema.ts';

const modbus = validateDevice({
  protocol: 'modbus-tcp', id: 'sim', host: '127.0.0.1', port: 5020, pollIntervalMs: 500,
  tags: [
    { name: 'vibration_rms', asset: 'pump-1', address: 0, type: 'float32', unit: 'mm/s' },
    { name: 'current', asset: 'motor-1', address: 10, type: 'float32', unit: 'A' },
    { name: 'pressure', asset: 'pump-1', address: 2, type: 'float32', order: 'CDAB' },
  ],
});
const opcua = validateDevice({
  protocol: 'opcua', id: 'sim-ua', endpoint: 'opc.tcp://127.0.0.1:4840',
  tags: [
    { name: 'vibration_rms', asset: 'pump-1', nodeId: 'ns=1;s=pump-1.vibration_rms' },
    { name: 'current', asset: 'motor-1', nodeId: 'ns=1;s=motor-1.current' },
  ],
});

describe('defaultFlow', () => {
  const flow = defaultFlow([modbus, opcua] as DeviceConfig[], { opcuaFirstAssetOnly: true });
  const ofType = (t: string) => flow.filter((n) => n.type === t);

  it('makes one modbus-read per asset, with that asset\'s tags', () => {
    const reads = ofType('modbus-read');
    expect(reads.map((n) => n.asset)).toEqual(['pump-1', 'motor-1']);
    expect((reads[0].tags as { name: string }[]).map((t) => t.name)).toEqual(['vibration_rms', 'pressure']);
    expect(reads[0]).toMatchObject({ device: 'cfg.sim', intervalMs: 500 });
  });

  it('subscribes over OPC UA to the first asset only when asked', () => {
    const subs = ofType('opcua-subscribe');
    expect(subs).toHaveLength(1);
    expect(subs[0]).toMatchObject({ asset: 'pump-1', endpoint: 'cfg.sim-ua', tags: [{ name: 'vibration_rms', nodeId: 'ns=1;s=pump-1.vibration_rms', unit: '' }] });
  });

  it('wires every source to the debug view and watches their status', () => {
    const sources = flow.filter((n) => n.type === 'modbus-read' || n.type === 'opcua-subscribe');
    const debugId = flow.find((n) => n.type === 'debug' && n.name === 'samples')?.id;
    for (const s of sources) expect(s.wires).toEqual([[debugId]]);
    expect(ofType('status')[0].scope).toEqual(sources.map((s) => s.id));
  });

  it('keeps config nodes global and everything else on the tab, with unique ids', () => {
    const ids = flow.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const n of flow) {
      const isConfig = n.type === 'modbus-device' || n.type === 'opcua-endpoint' || n.type === 'tab';
      expect(n.z === undefined).toBe(isConfig);
    }
  });

  it('never writes credentials into the flow', () => {
    const withUser = validateDevice({ ...opcua, username: 'op', password: 's3cret' }) as DeviceConfig;
    expect(JSON.stringify(defaultFlow([withUser]))).not.toContain('s3cret');
  });
});
