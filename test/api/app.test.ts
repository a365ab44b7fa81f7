import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../gateway/api/app.ts';
import { DeviceRegistry } from '../../gateway/runtime/registry.ts';
import type { Input } from '../../gateway/core/pipeline.ts';
import type { DeviceStatus } from '../../gateway/core/sample.ts';
import { TOKEN, auth } from './fixtures.ts';

function fixedInput(status: DeviceStatus): Input {
  return {
    id: status.id,
    start: async () => {},
    stop: async () => {},
    status: () => status,
    onSamples: () => () => {},
    onStatus: () => () => {},
  };
}

describe('buildApp', () => {
  const registry = new DeviceRegistry();
  registry.register(fixedInput({ id: 'pump-1', protocol: 'modbus-tcp', state: 'connected', connected: true, samples: 42, errors: 0, reconnects: 0, requests: 7 }));
  registry.register(fixedInput({ id: 'plc-2', protocol: 'opcua', state: 'backoff', connected: false, samples: 0, errors: 3, reconnects: 2, requests: 0, lastError: 'ECONNREFUSED 127.0.0.1:4840' }));
  let stopping = false;
  const app = buildApp({ registry, startedAt: Date.now() - 5_000, isStopping: () => stopping, tokens: [TOKEN] });
  afterAll(() => app.close());

  it('tells anyone on GET /healthz only status, uptime and device counts', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token' }, { authorization: 'Basic dXNlcjpwdw==' }]) {
      const res = await app.inject({ method: 'GET', url: '/healthz', headers });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(['devices', 'status', 'uptimeS']);
      expect(body.status).toBe('ok');
      expect(body.uptimeS).toBeGreaterThanOrEqual(5);
      expect(body.devices).toEqual({ total: 2, connected: 1 });
      expect(res.body).not.toMatch(/pump-1|plc-2|ECONNREFUSED|127\.0\.0\.1/);
    }
  });

  it('reports every registered device on GET /healthz with a valid token', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz', headers: auth });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.devices).toEqual({ total: 2, connected: 1 });
    expect(body.detail.devices).toEqual([
      { id: 'pump-1', protocol: 'modbus-tcp', connected: true, state: 'connected', samples: 42, errors: 0 },
      { id: 'plc-2', protocol: 'opcua', connected: false, state: 'backoff', samples: 0, errors: 3, lastError: 'ECONNREFUSED 127.0.0.1:4840' },
    ]);
  });

  it('drops fields the response schema does not declare', async () => {
    const body = (await app.inject({ method: 'GET', url: '/healthz', headers: auth })).json();
    expect(body.detail.devices[0]).not.toHaveProperty('requests');
  });

  it('says "stopping" while the gateway shuts down', async () => {
    stopping = true;
    const body = (await app.inject({ method: 'GET', url: '/healthz' })).json();
    stopping = false;
    expect(body.status).toBe('stopping');
  });

  it('answers an unknown route with a coded 404', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'TELLTALE_ERR_NOT_FOUND', message: 'no route GET /nope' });
  });
});
