import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../gateway/api/app.ts';
import { GatewayMetrics } from '../../gateway/api/metrics.ts';
import { LatestState } from '../../gateway/api/latest-state.ts';
import { DeviceRegistry } from '../../gateway/runtime/registry.ts';
import type { DeviceStatus } from '../../gateway/core/sample.ts';
import type { UplinkStatus } from '../../gateway/uplink/cloud-uplink.ts';
import { TOKEN, auth, fixedInput } from './fixtures.ts';

/** Prometheus text exposition: every sample line is `name{labels} value`; returns name+labels → value. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const v = Number(m[3]);
    if (Number.isNaN(v) && !/^nan$/i.test(m[3])) throw new Error(`bad value in: ${line}`);
    out.set(m[1] + (m[2] ?? ''), v);
  }
  return out;
}

describe('API status routes', () => {
  const pump: DeviceStatus = { id: 'pump-1', protocol: 'modbus-tcp', state: 'connected', connected: true, samples: 100, errors: 1, reconnects: 2, requests: 50, lastSampleTs: 1_700_000_000_000 };
  const registry = new DeviceRegistry();
  registry.register(fixedInput(pump));
  registry.register(fixedInput({ id: 'plc-2', protocol: 'opcua', state: 'backoff', connected: false, samples: 0, errors: 3, reconnects: 0, requests: 0, lastError: 'ECONNREFUSED' }));
  const latest = new LatestState();
  let queued = 4;
  const uplink = { status: (): UplinkStatus => ({ connected: true, queued, outbox: {} as UplinkStatus['outbox'], published: 9, acknowledged: 9, reconnects: 1, reconnectDelayMs: 0, bandwidth: { totalDeviceBytes: 4000, totalUplinkBytes: 250 } as UplinkStatus['bandwidth'] }) };
  const app = buildApp({ registry, tokens: [TOKEN], latest, uplink });
  afterAll(() => app.close());

  it('serves Prometheus text with the telltale_ names, which parses', async () => {
    app.metrics.observeInference(0.4);
    await app.inject({ method: 'GET', url: '/api/v1/assets/missing', headers: auth }); // a 404 counts as a request error
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parseMetrics(res.body);
    expect(m.get('telltale_samples_total{device="pump-1"}')).toBe(100);
    expect(m.get('telltale_device_errors_total{device="plc-2"}')).toBe(3);
    expect(m.get('telltale_device_reconnects_total{device="pump-1"}')).toBe(2);
    expect(m.get('telltale_device_connected{device="plc-2"}')).toBe(0);
    expect(m.get('telltale_http_request_errors_total{method="GET",route="/api/v1/assets/:id",status_code="404"}')).toBe(1);
    expect(m.get('telltale_inference_duration_seconds_count{model="active"}')).toBe(1);
    expect(m.get('telltale_inference_duration_seconds_bucket{le="0.0005",model="active"}')).toBe(1);
    expect(m.get('telltale_outbox_backlog_messages')).toBe(4);
    expect(m.get('telltale_device_bytes_in_total')).toBe(4000);
    expect(m.get('telltale_uplink_bytes_out_total')).toBe(250);
    expect(m.has('telltale_samples_per_second')).toBe(true);
    expect(m.has('telltale_outbox_backlog_age_seconds')).toBe(true);
    expect(m.get('telltale_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(m.has('telltale_nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('reports samples per second since start at the first scrape, then since the previous scrape', async () => {
    const device: DeviceStatus = { id: 'd', protocol: 'modbus-tcp', state: 'connected', connected: true, samples: 0, errors: 0, reconnects: 0, requests: 0 };
    const reg = new DeviceRegistry();
    reg.register(fixedInput(device));
    let clock = 1_000_000;
    const metrics = new GatewayMetrics({ registry: reg, now: () => clock });
    const rate = async () => parseMetrics(await metrics.registry.metrics()).get('telltale_samples_per_second');
    clock += 10_000;
    device.samples = 500;
    expect(await rate()).toBe(50);
    clock += 2_000;
    device.samples = 900;
    expect(await rate()).toBe(200);
  });

  it('counts only what grew since the last scrape into the mirrored counters', async () => {
    pump.samples = 130;
    const m = parseMetrics((await app.inject({ method: 'GET', url: '/metrics', headers: auth })).body);
    expect(m.get('telltale_samples_total{device="pump-1"}')).toBe(130);
    queued = 0;
    const after = parseMetrics((await app.inject({ method: 'GET', url: '/metrics', headers: auth })).body);
    expect(after.get('telltale_outbox_backlog_age_seconds')).toBe(0);
  });

  it('lists devices with their counters', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/devices', headers: auth });
    expect(res.json().devices[0]).toEqual({ id: 'pump-1', protocol: 'modbus-tcp', state: 'connected', connected: true, samples: 130, errors: 1, reconnects: 2, requests: 50, lastSampleTs: 1_700_000_000_000 });
  });

  it('answers /readyz with 503, counts only without a token, naming what is not ready with one', async () => {
    const open = await app.inject({ method: 'GET', url: '/readyz' });
    expect(open.statusCode).toBe(503);
    expect(open.json()).toEqual({ ready: false, checks: [
      { name: 'devices', ok: false, total: 2, connected: 1 },
      { name: 'broker', ok: true, queued: 0 },
    ] });
    const res = await app.inject({ method: 'GET', url: '/readyz', headers: auth });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ ready: false, checks: [
      { name: 'devices', ok: false, total: 2, connected: 1, detail: 'not connected: plc-2' },
      { name: 'broker', ok: true, queued: 0, detail: '0 messages queued' },
    ] });
  });

  it('masks URL credentials in the errors it serves', async () => {
    const reg = new DeviceRegistry();
    reg.register(fixedInput({ id: 'd', protocol: 'opcua', state: 'backoff', connected: false, samples: 0, errors: 1, reconnects: 0, requests: 0, lastError: 'cannot reach opc.tcp://op:dev-pass-1@10.1.2.3:4840' }));
    const down = { status: (): UplinkStatus => ({ connected: false, queued: 3, lastError: 'uplink mqtts://gw:mqtt-pass-1@broker:8883: Connection refused: Not authorized', outbox: {} as UplinkStatus['outbox'], published: 0, acknowledged: 0, reconnects: 1, reconnectDelayMs: 0, bandwidth: { totalDeviceBytes: 0, totalUplinkBytes: 0 } as UplinkStatus['bandwidth'] }) };
    const tsdb = { metrics: () => ({ connected: false, pointsQueued: 7, lastError: 'tsdb http://admin:influx-pass-1@db:8086/write?db=x&p=influx-pass-1: 401' }) as never };
    const a = buildApp({ registry: reg, tokens: [TOKEN], uplink: down, tsdb });
    try {
      for (const url of ['/readyz', '/healthz', '/api/v1/devices']) {
        const body = (await a.inject({ method: 'GET', url, headers: auth })).body;
        expect(body, url).not.toMatch(/pass-1/);
      }
      const ready = (await a.inject({ method: 'GET', url: '/readyz', headers: auth })).json();
      expect(ready.checks.map((c: { detail: string }) => c.detail)).toEqual([
        'not connected: d',
        'tsdb http://***@db:8086/write?db=x&p=***: 401',
        'uplink mqtts://***@broker:8883: Connection refused: Not authorized',
      ]);
    } finally {
      await a.close();
    }
  });

  it('shows the latest state of an asset and 404s an unknown one', async () => {
    latest.update({ asset: 'pump1', ts: 10, features: { 'vibration.rms': 1.5 }, score: 0.4, threshold: 1, state: 'normal', modelId: 'pump-v1' });
    latest.update({ asset: 'pump1', ts: 20, features: { 'current.mean': 12 }, score: 1.7, state: 'alert' });
    latest.alert({ id: 'a1', asset: 'pump1', ts: 20, kind: 'open', severity: 'major', score: 1.7, message: 'bearing' });
    const res = await app.inject({ method: 'GET', url: '/api/v1/assets/pump1', headers: auth });
    expect(res.json()).toEqual({ asset: 'pump1', ts: 20, features: { 'vibration.rms': 1.5, 'current.mean': 12 }, score: 1.7, threshold: 1, state: 'alert', modelId: 'pump-v1', openAlerts: 1 });
    const missing = await app.inject({ method: 'GET', url: '/api/v1/assets/pump9', headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'TELLTALE_ERR_ASSET_NOT_FOUND', message: 'asset "pump9" has reported nothing yet (or does not exist)' });
    expect((await app.inject({ method: 'GET', url: '/api/v1/assets/bad%20id', headers: auth })).statusCode).toBe(400);
  });

  it('filters alerts by state, asset, severity and time', async () => {
    latest.alert({ id: 'a2', asset: 'fan2', ts: 30, kind: 'open', severity: 'minor' });
    latest.alert({ id: 'a2', asset: 'fan2', ts: 40, kind: 'close' });
    const get = async (qs: string) => (await app.inject({ method: 'GET', url: `/api/v1/alerts${qs}`, headers: auth })).json().alerts.map((a: { id: string }) => a.id);
    expect(await get('')).toEqual(['a2', 'a1']);
    expect(await get('?state=open')).toEqual(['a1']);
    expect(await get('?state=closed')).toEqual(['a2']);
    expect(await get('?asset=pump1')).toEqual(['a1']);
    expect(await get('?severity=minor')).toEqual(['a2']);
    expect(await get('?since=35')).toEqual(['a2']);
    expect(await get('?limit=1')).toEqual(['a2']);
    const closed = (await app.inject({ method: 'GET', url: '/api/v1/alerts?state=closed', headers: auth })).json().alerts[0];
    expect(closed).toEqual({ id: 'a2', asset: 'fan2', ts: 30, updatedTs: 40, open: false, severity: 'minor', closedTs: 40 });
    const bad = await app.inject({ method: 'GET', url: '/api/v1/alerts?state=maybe', headers: auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('TELLTALE_ERR_BAD_REQUEST');
  });

  it('serves an OpenAPI document at /docs/json with every route', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json', headers: auth })).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of ['/healthz', '/readyz', '/metrics', '/api/v1/devices', '/api/v1/assets/{id}', '/api/v1/alerts', '/api/v1/models', '/api/v1/models/{id}/activate', '/api/v1/models/rollback']) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    expect(doc.paths['/api/v1/models'].post.requestBody).toBeDefined();
  });
});
