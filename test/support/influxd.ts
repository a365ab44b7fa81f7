/**
 * A real InfluxDB 1.x (Debian's influxdb package) for tests and benchmarks: generated config with every listener on
 * a free loopback port, meta/data/wal under a temp dir, no reporting, no UDP/graphite, monitor store off (it would
 * write an _internal database every 10 s and cost CPU the other tests need).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { influxdConfig } from '../../gateway/cli/commands/demo-peers.ts';
import { spawnPeer, waitFor, type Spawned } from './process.ts';

export const INFLUXD_BIN = '/usr/bin/influxd';

export interface Influxd {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Everything the current influxd process printed. */
  output(): string;
  /** Runs an InfluxQL statement through the HTTP API; returns the parsed JSON. */
  query(q: string, db?: string): Promise<InfluxQueryResult>;
  stop(): Promise<void>;
  kill9(): Promise<void>;
  /** Starts influxd again on the same port and data dir (after stop or kill9). */
  restart(): Promise<void>;
  /** Stops the server and removes the temp dir. */
  dispose(): Promise<void>;
}

export interface InfluxQueryResult {
  results: { statement_id: number; series?: { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }[]; error?: string }[];
}

/** The same config as the demo's private influxd, with continuous queries every second (tests wait on them). */
const configText = (dir: string, httpPort: number, rpcPort: number, auth: boolean): string => influxdConfig(dir, httpPort, rpcPort, { auth, cqRunInterval: '1s' });

async function ping(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`);
    return res.status === 204;
  } catch {
    return false;
  }
}

export interface InfluxdOptions {
  /** Turn authentication on with this admin user (created at first start); query() logs in as it. */
  auth?: { username: string; password: string };
}

/** Starts influxd and resolves once /ping answers 204 (and, with auth, once its admin user exists). */
export async function startInfluxd(opts: InfluxdOptions = {}): Promise<Influxd> {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-influxd-'));
  const port = await freePort();
  const rpcPort = await freePort();
  const confPath = join(dir, 'influxdb.conf');
  writeFileSync(confPath, configText(dir, port, rpcPort, opts.auth !== undefined));
  const url = `http://127.0.0.1:${port}`;
  let proc: Spawned | undefined;

  const launch = async () => {
    proc = spawnPeer(INFLUXD_BIN, ['-config', confPath], { env: { ...process.env, INFLUXDB_REPORTING_DISABLED: 'true' } });
    const p = proc;
    await waitFor(async () => {
      if (p.child.exitCode !== null) throw new Error(`influxd exited with ${p.child.exitCode}: ${p.output().slice(-2000)}`);
      return ping(url);
    }, 30_000, `influxd on ${url}`);
  };
  await launch();
  const credentials = opts.auth ? { authorization: `Basic ${Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64')}` } : undefined;
  if (opts.auth) {
    // With auth on and no user yet, InfluxDB 1.x accepts exactly this statement without credentials.
    const create = new URLSearchParams({ q: `CREATE USER "${opts.auth.username}" WITH PASSWORD '${opts.auth.password.replace(/'/g, "\\'")}' WITH ALL PRIVILEGES` });
    const res = await fetch(`${url}/query`, { method: 'POST', body: create });
    if (!res.ok) throw new Error(`influxd: cannot create the admin user: HTTP ${res.status} ${await res.text()}`);
  }

  const query = async (q: string, db?: string): Promise<InfluxQueryResult> => {
    const params = new URLSearchParams({ q, epoch: 'ms' });
    if (db) params.set('db', db);
    const res = await fetch(`${url}/query`, { method: 'POST', body: params, ...(credentials ? { headers: credentials } : {}) });
    if (!res.ok) throw new Error(`influx query ${q}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as InfluxQueryResult;
  };

  return {
    port,
    url,
    dir,
    output: () => proc?.output() ?? '',
    query,
    stop: async () => { await proc?.stop(); },
    kill9: async () => { await proc?.kill9(); },
    restart: async () => {
      await proc?.stop();
      await launch();
    },
    dispose: async () => {
      await proc?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
