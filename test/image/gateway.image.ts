/**
 * The image as a product (issue 11): docker/Dockerfile built with podman (scripts/image/build.sh, the README's
 * command) on the stand-in node:24-slim, then run the way docker/compose.yaml runs it — a simulator container and a
 * gateway container on a podman network made here, a real influxd and a real Mosquitto on the host exposed on that
 * network's gateway address only. Checked: size and labels, non-root with a read-only root filesystem and only
 * /data writable, the image's own HEALTHCHECK (also with another api.port and with plain HTTP), samples stored and
 * an injected fault's alert at an MQTT subscriber, SIGTERM within 10 s with the outbox kept, and flows, credentials,
 * certificate, outbox and models surviving `podman rm` + a new container on the same volume.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import mqtt from 'mqtt';
import { parse, stringify } from 'yaml';
import { freePort } from '../support/ports.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';
import { startInfluxd, type Influxd } from '../support/influxd.ts';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { podman, podmanOk, repo, run, waitForAsync } from './podman.ts';

const tag = `tt${process.pid}`;
const IMAGE = 'telltale:latest';
const NET = `${tag}-net`;
const VOL = `${tag}-data`;
const SIM = `${tag}-sim`;
const SITE = 'img-site';
const GW_ID = 'img-gw';
const ROOT = `telltale/${SITE}/${GW_ID}`;
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };

interface Received { topic: string; body: { id?: string; type?: string; alert?: { kind?: string; asset?: string } } }

describe('the Telltale image', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-image-'));
  const containers = new Set<string>();
  let buildS = 0;
  let revision = '';
  let source = '';
  let gwIp = '';
  let influx: Influxd;
  let broker: Mosquitto;
  let forward: Spawned;
  let sub: mqtt.MqttClient;
  const received: Received[] = [];
  let apiPort = 0;
  let influxPort = 0;
  let mqttPort = 0;

  /** A gateway config for the network: the simulator's devices at 100 ms, the host's influxd and broker. */
  const gatewayConfig = (extra: Record<string, unknown> = {}): string => {
    const base = parse(readFileSync(join(dir, 'sim-config.yaml'), 'utf8')) as { devices: Record<string, unknown>[] };
    const cfg = {
      gateway: { id: GW_ID, site: SITE, dataDir: '/data', healthIntervalS: 2 },
      api: { host: '0.0.0.0', port: 8080, tls: 'auto' },
      editor: { enabled: true, host: '0.0.0.0', port: 1880 },
      devices: base.devices.map((d) => ({ ...d, host: SIM, pollIntervalMs: 100 })),
      tsdb: { url: `http://${gwIp}:${influxPort}/telltale`, flushIntervalMs: 500 },
      uplink: { url: `mqtt://${gwIp}:${mqttPort}`, summaryPeriodMs: 2000 },
      ...extra,
    };
    const file = join(dir, `gateway-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, stringify(cfg));
    return file;
  };

  const startGateway = async (name: string, config: string, opts: { publish?: number; learn?: number } = {}): Promise<void> => {
    containers.add(name);
    await podmanOk('run', '-d', '--name', name, '--network', NET, '--read-only', '--tmpfs', '/tmp',
      '-v', `${VOL}:/data`, '-v', `${config}:/etc/telltale/gateway.yaml:ro`,
      ...(opts.publish ? ['-p', `127.0.0.1:${opts.publish}:8080`] : []),
      IMAGE, 'start', '--config', '/etc/telltale/gateway.yaml', '--learn-windows', String(opts.learn ?? 40));
  };
  const logs = async (name: string) => { const r = await podman('logs', name); return r.stdout + r.stderr; };
  const healthcheck = async (name: string) => (await podman('healthcheck', 'run', name)).code;
  const volumePath = async () => podmanOk('volume', 'inspect', VOL, '--format', '{{.Mountpoint}}');
  const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

  beforeAll(async () => {
    const t0 = Date.now();
    revision = (await run('git', ['rev-parse', '--short=12', 'HEAD'])).stdout.trim();
    source = (await run('git', ['remote', 'get-url', 'origin'])).stdout.trim().replace(/:\/\/[^/@]*@/, '://') || 'local';
    const b = await run('bash', ['scripts/image/build.sh']);
    if (b.code !== 0) throw new Error(`scripts/image/build.sh exited ${b.code}:\n${b.stderr.slice(-4000)}\n${b.stdout.slice(-2000)}`);
    buildS = (Date.now() - t0) / 1000;
    await podmanOk('network', 'create', NET);
    gwIp = await podmanOk('network', 'inspect', NET, '--format', '{{range .Subnets}}{{.Gateway}}{{end}}');
    expect(gwIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    await podmanOk('volume', 'create', VOL);
    // The network's bridge exists once a container is attached: the simulator first, then the host peers on it.
    // The simulator container, with a fault on pump-2 once the gateway has learned (40 windows ≈ 20 s at 10 Hz).
    const sim = await run(join(repo, 'node_modules/.bin/node'), ['bin/telltale.js', 'simulate', '--print-config', '--no-opcua']);
    writeFileSync(join(dir, 'sim-config.yaml'), sim.stdout);
    writeFileSync(join(dir, 'faults.yaml'), stringify({ faults: [{ asset: 'pump-2', kind: 'valve-closing', atS: 75, rampS: 2 }] }));
    containers.add(SIM);
    await podmanOk('run', '-d', '--name', SIM, '--network', NET, '--read-only', '-v', `${join(dir, 'faults.yaml')}:/etc/telltale/faults.yaml:ro`,
      IMAGE, 'simulate', '--host', '0.0.0.0', '--no-opcua', '--faults', '/etc/telltale/faults.yaml');
    [influxPort, mqttPort, apiPort] = await Promise.all([freePort(), freePort(), freePort()]);
    // Host peers: loopback for the test, plus the podman network's gateway address for the containers.
    [influx, broker] = await Promise.all([startInfluxd(), startMosquitto({ persistence: true, extraConfig: `listener ${mqttPort} ${gwIp}` })]);
    forward = spawnPeer('/usr/bin/socat', [`TCP-LISTEN:${influxPort},bind=${gwIp},fork,reuseaddr`, `TCP:127.0.0.1:${influx.port}`]);
    sub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: `${tag}-cloud`, clean: false, properties: { sessionExpiryInterval: 3600 } });
    sub.on('message', (topic, payload) => received.push({ topic, body: JSON.parse(payload.toString()) as Received['body'] }));
    await sub.subscribeAsync(`${ROOT}/#`, { qos: 1 });
    await startGateway(`${tag}-gw`, gatewayConfig(), { publish: apiPort });
  });

  afterAll(async () => {
    for (const c of containers) await podman('rm', '-f', '-t', '0', c);
    await podman('volume', 'rm', '-f', VOL);
    await podman('network', 'rm', '-f', NET);
    await sub?.endAsync();
    await forward?.stop();
    await Promise.allSettled([influx?.dispose(), broker?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is under 450 MB with the OCI labels of this version and revision', async () => {
    const size = Number(await podmanOk('image', 'inspect', IMAGE, '--format', '{{.Size}}'));
    const labels = JSON.parse(await podmanOk('image', 'inspect', IMAGE, '--format', '{{json .Labels}}')) as Record<string, string>;
    console.log(`image: built in ${buildS.toFixed(0)} s, ${(size / 1e6).toFixed(0)} MB`);
    expect(size).toBeLessThanOrEqual(450e6);
    expect(labels['org.opencontainers.image.version']).toBe(pkg.version);
    expect(labels['org.opencontainers.image.revision']).toBe(revision);
    expect(labels['org.opencontainers.image.licenses']).toBe('Apache-2.0');
    expect(labels['org.opencontainers.image.source']).toBe(source);
    // Only this architecture's native binaries are shipped.
    const natives = await podmanOk('run', '--rm', '--entrypoint', 'sh', IMAGE, '-c', 'ls node_modules/onnxruntime-node/bin/napi-v6 node_modules/onnxruntime-node/bin/napi-v6/linux; ls node_modules/@serialport/bindings-cpp/prebuilds; ls node_modules/npm');
    expect(natives.split(/\s+/).filter(Boolean).sort()).toEqual(['linux', 'linux-x64', 'node_modules/onnxruntime-node/bin/napi-v6/linux:', 'node_modules/onnxruntime-node/bin/napi-v6:', 'package.json', 'x64'].sort());
  });

  it('runs as uid 1000 with a read-only root filesystem, only /data writable', async () => {
    const gw = `${tag}-gw`;
    await waitForAsync(async () => /Press Ctrl\+C to stop/.test(await logs(gw)), 60_000, async () => `the gateway to start:\n${await logs(gw)}`);
    expect(await podmanOk('exec', gw, 'id', '-u')).toBe('1000');
    const app = await podman('exec', gw, 'sh', '-c', 'echo x > /app/probe');
    expect(app.code).not.toBe(0);
    expect(app.stderr).toMatch(/Read-only file system/);
    expect((await podman('exec', gw, 'sh', '-c', 'echo x > /etc/probe')).code).not.toBe(0);
    expect((await podman('exec', gw, 'sh', '-c', 'echo x > /data/probe && rm /data/probe')).code).toBe(0);
  });

  it('passes its own HEALTHCHECK over HTTPS with the self-signed certificate it printed', async () => {
    const gw = `${tag}-gw`;
    await waitForAsync(async () => (await healthcheck(gw)) === 0, 60_000, async () => `podman healthcheck run (logs:\n${(await logs(gw)).slice(-2000)})`);
    const fp = /SHA-256 fingerprint ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/.exec(await logs(gw));
    expect(fp, 'the start banner prints the certificate fingerprint').not.toBeNull();
    const { X509Certificate } = await import('node:crypto');
    const cert = new X509Certificate(readFileSync(join(await volumePath(), 'tls', 'cert.pem')));
    expect(cert.fingerprint256.toUpperCase()).toBe(fp![1].toUpperCase());
  });

  it('stores samples in InfluxDB and sends the injected fault\'s alert to the MQTT subscriber', async () => {
    const count = async (q: string) => (await influx.query(q, 'telltale')).results[0]?.series?.[0]?.values?.length ?? 0;
    await waitFor(async () => (await count(`SELECT * FROM "samples" WHERE "asset" = 'pump-1' LIMIT 5`)) >= 5, 60_000, 'samples of pump-1 in InfluxDB');
    const open = await waitForAsync(() => received.find((m) => m.topic === `${ROOT}/alerts` && m.body.alert?.kind === 'open' && m.body.alert.asset === 'pump-2'),
      240_000, async () => `an alert open event for pump-2 (received ${received.length} messages; gateway:\n${(await logs(`${tag}-gw`)).slice(-2500)})`);
    expect(open.body.id).toBeTruthy();
    // What the compose file's memory limits are sized from: the containers' memory while scoring 3 pumps at 10 Hz.
    const stats = JSON.parse(await podmanOk('stats', '--no-stream', '--format', 'json', `${tag}-gw`, SIM)) as { name: string; mem_usage: string }[];
    console.log(`image: memory ${stats.map((s) => `${s.name.replace(`${tag}-`, '')} ${s.mem_usage}`).join(', ')}`);
    expect(received.some((m) => m.topic === `${ROOT}/summaries`)).toBe(true);
    expect([...new Set(received.map((m) => m.topic.slice(ROOT.length + 1)))].filter((t) => !['alerts', 'summaries', 'status', 'events', 'audit', 'health'].includes(t))).toEqual([]);
  });

  it('stops on SIGTERM within 10 s with its outbox kept, and a new container on the same volume resends it and keeps flows, credentials, certificate and models', async () => {
    const gw = `${tag}-gw`;
    const data = await volumePath();
    const outbox = join(data, 'queues', 'outbox.sqlite');
    await broker.stop();
    // Summaries every 2 s pile up in the outbox while the broker is down.
    const rows = () => {
      const db = new DatabaseSync(outbox, { readOnly: true });
      try {
        return (db.prepare('SELECT payload FROM outbox ORDER BY seq').all() as { payload: string | Uint8Array }[]).map((r) => (JSON.parse(Buffer.from(r.payload as Uint8Array).toString()) as { id: string }).id);
      } finally {
        db.close();
      }
    };
    await waitFor(() => { try { return rows().length >= 3; } catch { return false; } }, 60_000, 'messages queued in the outbox while the broker is down');
    const kept = ['flows.json', 'flows_cred.json', 'credential-secret', 'editor-login.json', 'tls/cert.pem', 'tls/key.pem'].filter((f) => { try { readFileSync(join(data, f)); return true; } catch { return false; } });
    expect(kept).toEqual(expect.arrayContaining(['flows.json', 'credential-secret', 'editor-login.json', 'tls/cert.pem']));
    const before = Object.fromEntries(kept.map((f) => [f, sha(join(data, f))]));
    const t0 = Date.now();
    await podmanOk('stop', '-t', '10', gw);
    const stopS = (Date.now() - t0) / 1000;
    expect(stopS).toBeLessThan(10);
    expect(await podmanOk('inspect', gw, '--format', '{{.State.ExitCode}}')).toBe('0');
    const left = rows();
    expect(left.length).toBeGreaterThan(0);
    console.log(`image: SIGTERM stop ${stopS.toFixed(2)} s, ${left.length} messages in the outbox`);
    await podmanOk('rm', gw);
    containers.delete(gw);
    await broker.restart();
    const gw2 = `${tag}-gw2`;
    await startGateway(gw2, gatewayConfig());
    const got = () => new Set(received.map((m) => m.body.id));
    await waitForAsync(() => left.every((id) => got().has(id)), 90_000, async () => `the ${left.length} queued messages from the new container (missing ${left.filter((id) => !got().has(id)).length}; logs:\n${(await logs(gw2)).slice(-2000)})`);
    expect(Object.fromEntries(kept.map((f) => [f, sha(join(data, f))]))).toEqual(before);
    expect(await logs(gw2)).not.toMatch(/generated now/);
    await podmanOk('stop', '-t', '10', gw2);
  });

  it('HEALTHCHECK follows api.port and plain HTTP when chosen, and fails when nothing answers', async () => {
    const other = `${tag}-gw3`;
    await startGateway(other, gatewayConfig({ api: { host: '0.0.0.0', port: 9443, tls: 'auto' }, devices: [], tsdb: undefined, uplink: undefined }));
    await waitForAsync(async () => (await healthcheck(other)) === 0, 60_000, async () => `healthcheck on api.port 9443 (logs:\n${(await logs(other)).slice(-1500)})`);
    await podmanOk('rm', '-f', '-t', '0', other);
    const plain = `${tag}-gw4`;
    await startGateway(plain, gatewayConfig({ api: { host: '0.0.0.0', port: 8081, tls: false }, devices: [], tsdb: undefined, uplink: undefined }));
    await waitForAsync(async () => (await healthcheck(plain)) === 0, 60_000, async () => `healthcheck over plain HTTP (logs:\n${(await logs(plain)).slice(-1500)})`);
    // The negative control: the same check against a port nothing serves fails.
    const wrong = await podman('exec', '-e', 'TELLTALE_API_PORT=8099', plain, 'node', 'bin/healthcheck.js');
    expect(wrong.code).not.toBe(0);
  });
});
