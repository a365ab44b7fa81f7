import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLifecycle, tsdbAuditSink, uplinkAuditSink, type AuditEvent } from '../../../gateway/models/lifecycle/index.ts';
import { TsdbWriter, resolveTsdbConfig } from '../../../gateway/outputs/influx/index.ts';
import { startInfluxd, type Influxd } from '../../support/influxd.ts';
import { waitFor } from '../../support/process.ts';
import { bundle, keys, tempRoot } from './bundles.ts';

const root = tempRoot('telltale-audit-');

describe('model audit events', () => {
  let influxd: Influxd;
  beforeAll(async () => {
    influxd = await startInfluxd();
  });
  afterAll(async () => {
    await influxd?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('lands installs, refusals and activations in InfluxDB and in the uplink alert stream', async () => {
    const writer = new TsdbWriter({
      config: resolveTsdbConfig({ url: `${influxd.url}/audit_db`, flushIntervalMs: 50, requestTimeoutMs: 2000 }),
      site: 'plant-a', gateway: 'gw-1', queuePath: join(root, 'q.sqlite'),
    });
    await writer.connect();
    const upstream: Array<{ id: string; audit: AuditEvent }> = [];
    const k = await keys(root);
    const store = new ModelLifecycle({
      dir: join(root, 'models'), publicKey: k.publicKey,
      audit: [tsdbAuditSink(writer), uplinkAuditSink({ alert: (a) => { upstream.push(a as never); return undefined as never; } })],
    });
    await store.open();
    try {
      await store.activate(await store.install(await bundle(root, 'pump', { privateKey: k.privateKey })));
      await store.install(await bundle(root, 'plain')).catch(() => {});
      writer.flush();
      const rows = await waitFor(async () => {
        const r = await influxd.query(`SELECT message, severity FROM summaries.alerts WHERE asset = 'gateway' AND severity = 'audit'`, 'audit_db');
        const values = r.results[0]?.series?.[0]?.values;
        return values && values.length >= 3 ? values : undefined;
      }, 20_000, 'three audit rows in InfluxDB');
      const messages = rows.map((v) => String(v[1]));
      expect(messages[0]).toMatch(/^installed pump-v1 \(pca, 3 inputs\)/);
      expect(messages[1]).toBe('activated pump-v1');
      expect(messages[2]).toMatch(/^refused .*the manifest is unsigned/);
      expect(upstream.map((a) => a.audit.action)).toEqual(['installed', 'activated', 'refused']);
      expect(upstream[2].audit.reason).toBe('unsigned');
    } finally {
      await store.close();
      await writer.close();
    }
  });
});
