import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

interface Service { logging?: { driver: string; options?: Record<string, string> }; mem_limit?: string | number; read_only?: boolean; restart?: string; image?: string; build?: { context: string; dockerfile: string }; volumes?: ({ type: string; source: string; target: string } | string)[]; depends_on?: Record<string, unknown>; command?: string[]; healthcheck?: unknown; ports?: (string | { target: number; published: number; host_ip?: string })[]; environment?: Record<string, string> }

/** The variables `up` needs (the Grafana admin password); everything else has a default. */
const REQUIRED_ENV = { GRAFANA_ADMIN_PASSWORD: 'test-grafana-password' };

/** docker-compose 1.29 validates keys, types and depends_on targets, and prints the resolved file. */
async function composeConfig(env: Record<string, string | undefined> = REQUIRED_ENV): Promise<{ services: Record<string, Service> }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(GRAFANA_|TELLTALE_)/.test(k)));
  const { stdout } = await promisify(execFile)(COMPOSE_BIN, ['-f', composeFile, 'config'], { env: { ...base, ...env, COMPOSE_INTERACTIVE_NO_CLI: '1' } });
  return parse(stdout) as { services: Record<string, Service> };
}

/** "127.0.0.1:8086:8086/tcp" (1.29's short form) → { hostIp: '127.0.0.1', published: 8086 }; no address = every interface. */
function published(s: Service): { hostIp: string; published: number }[] {
  return (s.ports ?? []).map((p) => {
    if (typeof p !== 'string') return { hostIp: p.host_ip ?? '0.0.0.0', published: p.published };
    const parts = p.replace(/\/\w+$/, '').split(':');
    return parts.length === 3 ? { hostIp: parts[0], published: Number(parts[1]) } : { hostIp: '0.0.0.0', published: Number(parts[0]) };
  });
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

  it.skipIf(!haveCompose)('is a Compose Specification file a plant can run: health checks, start order on health, restarts, log rotation, memory limits', async () => {
    const raw = parse(readFileSync(composeFile, 'utf8')) as Record<string, unknown>;
    expect(raw).not.toHaveProperty('version');
    const { services } = await composeConfig();
    for (const [name, s] of Object.entries(services)) {
      // The gateway's check is the image's own HEALTHCHECK (bin/healthcheck.js); every other service declares one.
      if (name !== 'gateway') expect((s.healthcheck as { test?: string[] } | undefined)?.test?.[0], `${name}: healthcheck`).toBe('CMD');
      expect(s.restart, `${name}: restart`).toBe('unless-stopped');
      expect(s.logging, `${name}: logging`).toEqual({ driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } });
      expect(s.mem_limit, `${name}: mem_limit`).toBeDefined();
    }
    expect(services.gateway.depends_on).toEqual({ simulator: { condition: 'service_healthy' }, influxdb: { condition: 'service_healthy' }, mosquitto: { condition: 'service_healthy' } });
    expect(services.grafana.depends_on).toEqual({ influxdb: { condition: 'service_healthy' } });
    expect(services.gateway.read_only).toBe(true);
    // 512 MB: the measured ~200 MB RSS at 1,000 tags with head-room (BENCHMARKS.md "Container").
    expect(services.gateway.mem_limit).toBe('512m');
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

  it.skipIf(!haveCompose)('publishes API and editor, keeps InfluxDB, Mosquitto and plain-HTTP Grafana on loopback', async () => {
    const { services } = await composeConfig();
    expect(published(services.gateway).sort((a, b) => a.published - b.published)).toEqual([{ hostIp: '0.0.0.0', published: 1880 }, { hostIp: '0.0.0.0', published: 8080 }]);
    expect(published(services.influxdb)).toEqual([{ hostIp: '127.0.0.1', published: 8086 }]);
    expect(published(services.mosquitto)).toEqual([{ hostIp: '127.0.0.1', published: 1883 }]);
    expect(published(services.grafana)).toEqual([{ hostIp: '127.0.0.1', published: 3000 }]);
    expect(services.simulator.ports ?? []).toEqual([]);
    // Publishing Grafana on the LAN is an explicit choice.
    expect(published((await composeConfig({ ...REQUIRED_ENV, GRAFANA_BIND: '0.0.0.0' })).services.grafana)).toEqual([{ hostIp: '0.0.0.0', published: 3000 }]);
  });

  it.skipIf(!haveCompose)('gives Grafana the admin password from the environment, no anonymous access, and refuses to run without one', async () => {
    const { services } = await composeConfig();
    const env = services.grafana.environment ?? {};
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toBe(REQUIRED_ENV.GRAFANA_ADMIN_PASSWORD);
    expect(env.GF_AUTH_ANONYMOUS_ENABLED).toBe('false');
    expect(env.GF_USERS_ALLOW_SIGN_UP).toBe('false');
    await expect(composeConfig({})).rejects.toThrow(/set GRAFANA_ADMIN_PASSWORD/);
    await expect(composeConfig({ GRAFANA_ADMIN_PASSWORD: '' })).rejects.toThrow(/set GRAFANA_ADMIN_PASSWORD/);
    // The gateway's editor password is never fixed in the file: from the environment, or generated on the first start.
    expect(services.gateway.environment?.TELLTALE_EDITOR_PASSWORD ?? '').toBe('');
    // Extra certificate names pass through from the environment.
    expect((await composeConfig({ ...REQUIRED_ENV, TELLTALE_TLS_NAMES: 'gw.plant.local,10.1.1.1' })).services.gateway.environment?.TELLTALE_TLS_NAMES).toBe('gw.plant.local,10.1.1.1');
  });

  it('mounts a gateway config that loads and reads from the compose services, serving API and editor over HTTPS', () => {
    const cfg = loadConfig(join(root, 'docker/gateway.yaml'), {});
    expect(cfg.gateway.dataDir).toBe('/data');
    expect(cfg.api.host).toBe('0.0.0.0');
    expect(cfg.api.tls).toBe('auto');
    expect(cfg.editor.host).toBe('0.0.0.0');
    expect(cfg.editor.tls).toBe('auto');
    expect(cfg.devices.map((d) => ('host' in d ? d.host : d.protocol))).toEqual(['simulator']);
    expect(cfg.tsdb?.url).toBe('http://influxdb:8086/telltale');
    expect(cfg.uplink?.url).toBe('mqtt://mosquitto:1883');
  });
});
