import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Input } from '../../../gateway/core/pipeline.ts';
import type { DeviceStatus } from '../../../gateway/core/sample.ts';
import { toTsdbRecords } from '../../../gateway/outputs/influx/from-message.ts';
import { toPoints } from '../../../gateway/outputs/influx/records.ts';
import gatewayHealth from '../../../nodes/gateway-health/gateway-health.ts';
import { waitFor } from '../../support/process.ts';
import { errorsOf, helper, initHelper } from '../helper.ts';

/** A registered input whose counters the test sets: the node reads only status(), as /healthz does. */
function device(id: string, status: Partial<DeviceStatus>): Input & { set(s: Partial<DeviceStatus>): void } {
  let s: DeviceStatus = { id, protocol: 'modbus-tcp', state: 'connected', connected: true, samples: 0, errors: 0, reconnects: 0, requests: 0, ...status };
  return {
    id, start: async () => {}, stop: async () => {}, status: () => s, onSamples: () => () => {}, onStatus: () => () => {},
    set(next) { s = { ...s, ...next }; },
  };
}

type HealthMsg = { topic: string; payload: { component: string; ts: number; metrics: Record<string, number> } };

describe('gateway-health', () => {
  const { registry } = initHelper();
  beforeAll(() => helper.startServer());
  afterEach(() => helper.unload());
  afterAll(() => helper.stopServer());

  const load = async (fields: object = {}) => {
    await helper.load([gatewayHealth], [
      { id: 'gh', type: 'gateway-health', intervalS: 3600, wires: [['out']], ...fields },
      { id: 'out', type: 'helper' },
    ]);
    const got: HealthMsg[] = [];
    helper.getNode('out').on('input', (m: HealthMsg) => got.push(m));
    return { gh: helper.getNode('gh'), got };
  };

  it('does send the health shape toTsdbRecords stores, with figures from the device registry', async () => {
    const plc = device('plc-h', { samples: 100, errors: 2, reconnects: 1 });
    const rtu = device('rtu-h', { samples: 50, errors: 1, reconnects: 0, connected: false, state: 'disconnected' });
    const off = [registry.register(plc), registry.register(rtu)];
    try {
      const { gh, got } = await load({ component: 'edge-1' });
      plc.set({ samples: 400, errors: 5, reconnects: 3 });
      await new Promise((r) => setTimeout(r, 20)); // a rate needs time to pass since the node started
      gh.receive({ payload: 'now' });
      await waitFor(() => got.length === 1, 5000, 'a health message');
      const { payload } = got[0];
      expect(payload.component).toBe('edge-1');
      expect(payload.metrics).toMatchObject({ devices: 2, devices_connected: 1, read_errors: 6, reconnects: 3 });
      expect(payload.metrics.samples_per_s).toBeGreaterThan(0);
      expect(payload.metrics.rss_bytes).toBeGreaterThan(1e6);
      expect(payload.metrics.heap_used_bytes).toBeGreaterThan(0);
      // Nothing here knows the outbox, bandwidth or inference: those fields are left out, not zero.
      for (const unknown of ['outbox_backlog', 'bytes_in', 'bytes_out', 'inference_ms_p50', 'inference_ms_p99']) expect(payload.metrics).not.toHaveProperty(unknown);

      const points = toPoints(toTsdbRecords(payload)[0], { site: 's', gateway: 'g' });
      expect(points).toEqual([expect.objectContaining({ measurement: 'health', tags: { site: 's', gateway: 'g', component: 'edge-1' }, timestamp: payload.ts })]);
      expect(points[0].fields).toMatchObject({ read_errors: 6, reconnects: 3, samples_per_s: payload.metrics.samples_per_s });
    } finally {
      for (const f of off) f();
    }
  });

  it('does send on its timer and show a red ring while a device is down', async () => {
    const rtu = device('rtu-down', { connected: false, state: 'disconnected' });
    const off = registry.register(rtu);
    try {
      const { gh, got } = await load({ intervalS: 0.05 });
      await waitFor(() => got.length >= 2, 10_000, 'two timed health messages');
      expect(got[1].payload.component).toBe('gateway');
      expect(got[1].payload.metrics).toMatchObject({ devices: 1, devices_connected: 0 });
      await waitFor(() => gh.status.args.some(([s]: [{ fill?: string; text?: string }]) => s.fill === 'red' && /0\/1 devices/.test(s.text ?? '')), 5000, 'red status');
    } finally {
      off();
    }
  });

  it('does name a bad interval and send nothing', async () => {
    const { gh, got } = await load({ intervalS: -1 });
    gh.receive({ payload: 'now' });
    await waitFor(() => errorsOf('gh').length > 0, 5000, 'the configuration error');
    expect(errorsOf('gh')[0]).toMatch(/gateway-health "gh": intervalS must be a number of seconds above 0, got -1/);
    expect(got).toEqual([]);
  });
});
