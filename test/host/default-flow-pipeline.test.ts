import { describe, expect, it } from 'vitest';
import { defaultFlow, type PipelineOptions } from '../../gateway/host/default-flow.ts';
import { validateDevice } from '../../gateway/config/load.ts';
import type { DeviceConfig } from '../../gateway/config/schema.ts';

const modbus = validateDevice({
  protocol: 'modbus-tcp', id: 'sim', host: '127.0.0.1', port: 5020, pollIntervalMs: 500,
  tags: [{ name: 'vibration_rms', asset: 'pump-1', address: 0, type: 'float32' }],
});
const pipeline: PipelineOptions = {
  site: 'plant-a', gateway: 'gw-1', influxUrl: '${TELLTALE_INFLUX_URL}', mqttUrl: '${TELLTALE_MQTT_URL}',
  windowSize: 60, windowHop: 30, features: 'rms', tags: '', summaryPeriodS: 60,
};

describe('defaultFlow (pipeline)', () => {
  it('does wire one gateway-health node to influx-write only, behind the InfluxDB URL gate', () => {
    const flow = defaultFlow([modbus] as DeviceConfig[], { pipeline });
    const byId = new Map(flow.map((n) => [n.id, n]));
    const health = flow.filter((n) => n.type === 'gateway-health');
    expect(health).toHaveLength(1);
    expect(health[0]).toMatchObject({ intervalS: 10, component: 'gateway', z: 'telltale-tab' });
    const wires = health[0].wires as string[][];
    expect(wires).toHaveLength(1);
    expect(wires[0]).toHaveLength(1);
    const gate = byId.get(wires[0][0])!;
    expect(gate).toMatchObject({ type: 'switch', property: 'TELLTALE_INFLUX_URL' });
    expect((gate.wires as string[][])[0].map((id) => byId.get(id)?.type)).toEqual(['influx-write']);
  });

  it('does send drift events to InfluxDB and the debug view, not to the uplink', () => {
    const flow = defaultFlow([modbus] as DeviceConfig[], { pipeline: { ...pipeline, anomalyScore: { name: 'score' } } });
    const byId = new Map(flow.map((n) => [n.id, n]));
    const score = flow.find((n) => n.type === 'anomaly-score')!;
    const drift = (score.wires as string[][])[2].map((id) => byId.get(id)!);
    expect(drift.map((n) => n.type)).toEqual(['switch', 'debug']);
    expect(drift[0]).toMatchObject({ property: 'TELLTALE_INFLUX_URL' });
  });

  it('does show alert events, and only those, on an active debug node (scores stay on the inactive one)', () => {
    const flow = defaultFlow([modbus] as DeviceConfig[], { pipeline: { ...pipeline, anomalyScore: { name: 'score' } } });
    const score = flow.find((n) => n.type === 'anomaly-score')!;
    const alerts = flow.find((n) => n.type === 'debug' && n.name === 'alerts')!;
    expect(alerts).toMatchObject({ active: true, tosidebar: true });
    const feeding = flow.flatMap((n) => ((n.wires as string[][] | undefined) ?? []).flatMap((out, i) => (out.includes(alerts.id) ? [`${n.type}:${i}`] : [])));
    expect(feeding).toEqual(['anomaly-score:1']);
    expect((score.wires as string[][])[0]).not.toContain(alerts.id);
    expect(flow.find((n) => n.name === 'scores and alerts')).toMatchObject({ active: false });
  });

  it('does leave gateway-health out of the foundation flow', () => {
    expect(defaultFlow([modbus] as DeviceConfig[]).some((n) => n.type === 'gateway-health')).toBe(false);
  });
});
