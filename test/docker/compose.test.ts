import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../gateway/config/load.ts';

const root = join(import.meta.dirname, '../..');
const composeFile = join(root, 'docker/compose.yaml');
const COMPOSE_BIN = '/usr/bin/docker-compose';
const haveCompose = existsSync(COMPOSE_BIN);
if (!haveCompose) console.warn(`skipping docker-compose config: ${COMPOSE_BIN} is missing (run scripts/install-system-deps.sh)`);

interface Service { image?: string; build?: { context: string; dockerfile: string }; volumes?: ({ type: string; source: string; target: string } | string)[]; depends_on?: Record<string, unknown>; command?: string[]; healthcheck?: unknown; ports?: unknown[] }

/** docker-compose 1.29 validates keys, types and depends_on targets, and prints the resolved file. */
async function composeConfig(): Promise<{ services: Record<string, Service> }> {
  const { stdout } = await promisify(execFile)(COMPOSE_BIN, ['-f', composeFile, 'config'], { env: { ...process.env, COMPOSE_INTERACTIVE_NO_CLI: '1' } });
  return parse(stdout) as { services: Record<string, Service> };
}

/** Host paths bind-mounted into a service (1.29 prints volumes as "source:target:mode"; named volumes have no slash). */
function bindSources(s: Service): string[] {
  return (s.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[0] : v.type === 'bind' ? v.source : '')).filter((p) => p.startsWith('/'));
}

describe('docker/compose.yaml', () => {
  it.skipIf(!haveCompose)('passes `docker-compose config` with the gateway, simulator, influxdb, mosquitto and grafana', async () => {
    const { services } = await composeConfig();
    expect(Object.keys(services).sort()).toEqual(['gateway', 'grafana', 'influxdb', 'mosquitto', 'simulator']);
    expect(services.influxdb.image).toBe('influxdb:1.8');
    expect(services.mosquitto.image).toBe('eclipse-mosquitto:2');
    expect(services.gateway.command).toEqual(['start', '--config', '/etc/telltale/gateway.yaml', '--learn-windows', '150']);
    expect(services.simulator.command?.[0]).toBe('simulate');
    expect(Object.keys(services.gateway.depends_on ?? {}).sort()).toEqual(['influxdb', 'mosquitto', 'simulator']);
  });

  it.skipIf(!haveCompose)('references only files and folders that exist', async () => {
    const { services } = await composeConfig();
    const missing: string[] = [];
    for (const [name, s] of Object.entries(services)) {
      if (s.build && !existsSync(resolve(s.build.context, s.build.dockerfile))) missing.push(`${name}: build ${s.build.dockerfile}`);
      for (const source of bindSources(s)) if (!existsSync(source)) missing.push(`${name}: volume ${source}`);
    }
    expect(missing).toEqual([]);
    // mosquitto.conf, the gateway config and Grafana's provisioning + dashboards
    expect(Object.values(services).flatMap(bindSources).length).toBe(4);
  });

  it('mounts a gateway config that loads and reads from the compose services', () => {
    const cfg = loadConfig(join(root, 'docker/gateway.yaml'), {});
    expect(cfg.gateway.dataDir).toBe('/data');
    expect(cfg.api.host).toBe('0.0.0.0');
    expect(cfg.devices.map((d) => ('host' in d ? d.host : d.protocol))).toEqual(['simulator']);
    expect(cfg.tsdb?.url).toBe('http://influxdb:8086/telltale');
    expect(cfg.uplink?.url).toBe('mqtt://mosquitto:1883');
  });
});
