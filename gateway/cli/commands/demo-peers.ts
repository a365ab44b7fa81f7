/**
 * The demo's private InfluxDB 1.x and Mosquitto 2 (Debian packages influxdb and mosquitto): started when the
 * binaries are installed, each on a free loopback port with its config, data and log under <dataDir>/peers, and
 * stopped with the demo. Only the processes started here are ever signalled, by their PID; a PID file left by a demo
 * that was killed with SIGKILL is used once, at the next start, to stop that orphan (after checking /proc that the
 * PID still runs this binary with this data dir's config).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';

/** Debian's paths; TELLTALE_DEMO_INFLUXD / TELLTALE_DEMO_MOSQUITTO name others (a tarball install, a test's "not installed"). */
export const INFLUXD_BIN = '/usr/bin/influxd';
export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';
export const INSTALL_HINT = 'sudo apt-get install influxdb mosquitto';

export interface Peer {
  /** "InfluxDB" or "MQTT broker". */
  readonly name: string;
  /** http://127.0.0.1:PORT (InfluxDB) or mqtt://127.0.0.1:PORT. */
  readonly url: string;
  readonly pid: number;
  readonly log: string;
  stop(): Promise<void>;
}

export type PeerStart = { peer: Peer } | { missing: string } | { failed: string };

/** A free loopback TCP port (the OS picks it; a short race with other processes is possible). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => { s.destroy(); resolve(false); });
  });
}

async function influxPing(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) })).status === 204;
  } catch {
    return false;
  }
}

/** Stops an orphan a killed demo left behind: only when /proc shows that PID still runs `bin` with `conf`. */
async function stopOrphan(pidFile: string, bin: string, conf: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
    rmSync(pidFile, { force: true });
    if (!Number.isInteger(pid) || pid <= 1) return;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (cmdline[0] !== bin || !cmdline.includes(conf)) return;
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // no PID file, or that process is gone: nothing to stop
  }
  // It holds the data dir's files: wait (10 s at most) until it is gone before a new one opens them.
  for (const deadline = Date.now() + 10_000; existsSync(`/proc/${pid}`) && Date.now() < deadline;) await sleep(100);
}

/** SIGTERM to this child only, SIGKILL after graceMs; resolves once it exited. */
function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, graceMs);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    try { child.kill('SIGTERM'); } catch { clearTimeout(t); resolve(); }
  });
}

interface Launch {
  name: string;
  bin: string;
  dir: string;
  conf: string;
  confText: (port: number, rpcPort: number) => string;
  args: string[];
  url: (port: number) => string;
  ready: (port: number) => Promise<boolean>;
  env?: NodeJS.ProcessEnv;
}

async function launch(l: Launch): Promise<PeerStart> {
  if (!existsSync(l.bin)) return { missing: l.bin };
  const log = join(l.dir, `${l.name === 'InfluxDB' ? 'influxd' : 'mosquitto'}.log`);
  const pidFile = join(l.dir, 'pid');
  try {
    mkdirSync(l.dir, { recursive: true });
    await stopOrphan(pidFile, l.bin, l.conf);
    const [port, rpcPort] = [await freePort(), await freePort()];
    writeFileSync(l.conf, l.confText(port, rpcPort));
    // Its output goes to a log file: the demo's terminal tells the story, the servers' chatter stays in the file.
    const fd = openSync(log, 'a');
    let child: ChildProcess;
    try {
      // Its own process group: a Ctrl+C in the terminal reaches the demo only, which flushes its outputs into the
      // servers and then stops them (by PID) itself.
      child = spawn(l.bin, l.args, { stdio: ['ignore', fd, fd], env: l.env ?? process.env, detached: true });
    } finally {
      closeSync(fd);
    }
    const spawned = new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (err) => resolve(err));
    });
    const spawnErr = await spawned;
    if (spawnErr || child.pid === undefined) return { failed: `${l.bin} did not start: ${spawnErr?.message ?? 'no PID'}` };
    writeFileSync(pidFile, `${child.pid}\n`);
    const url = l.url(port);
    for (const deadline = Date.now() + 30_000; ;) {
      if (child.exitCode !== null) return { failed: `${l.bin} exited with code ${child.exitCode} (see ${log})` };
      if (await l.ready(port)) break;
      if (Date.now() > deadline) {
        await stopChild(child, 2000);
        return { failed: `${l.bin} did not answer on ${url} within 30 s (see ${log})` };
      }
      await sleep(100);
    }
    const pid = child.pid;
    // Should the demo end without stopping it (an uncaught error), the server does not outlive it.
    const onExit = () => { try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ } };
    process.once('exit', onExit);
    return {
      peer: {
        name: l.name, url, pid, log,
        stop: async () => {
          process.off('exit', onExit);
          await stopChild(child, 10_000);
          rmSync(pidFile, { force: true });
        },
      },
    };
  } catch (err) {
    return { failed: `${l.name}: ${(err as Error).message}` };
  }
}

/**
 * An influxd 1.x config: HTTP on 127.0.0.1:port, the RPC bind on rpcPort, meta/data/wal under dir, no usage
 * reporting, no UDP/graphite/opentsdb/collectd, no _internal monitor database (it would write every 10 s).
 */
export function influxdConfig(dir: string, port: number, rpcPort: number, o: { auth?: boolean; cqRunInterval?: string } = {}): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${join(dir, 'meta')}"
  logging-enabled = false
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${port}"
  log-enabled = false
  auth-enabled = ${o.auth === true}
[continuous_queries]
  enabled = true
  log-enabled = false
${o.cqRunInterval ? `  run-interval = "${o.cqRunInterval}"\n` : ''}[[udp]]
  enabled = false
[[graphite]]
  enabled = false
[[opentsdb]]
  enabled = false
[[collectd]]
  enabled = false
`;
}

/** A private influxd: every listener on loopback, no usage reporting, no _internal monitor database. */
export function startInfluxd(dataDir: string): Promise<PeerStart> {
  const dir = join(dataDir, 'peers', 'influxdb');
  const conf = join(dir, 'influxdb.conf');
  return launch({
    name: 'InfluxDB', bin: process.env.TELLTALE_DEMO_INFLUXD || INFLUXD_BIN, dir, conf, args: ['-config', conf],
    env: { ...process.env, INFLUXDB_REPORTING_DISABLED: 'true' },
    url: (port) => `http://127.0.0.1:${port}`,
    ready: (port) => influxPing(`http://127.0.0.1:${port}`),
    confText: (port, rpcPort) => influxdConfig(dir, port, rpcPort),
  });
}

/** A private mosquitto: one loopback listener, anonymous (loopback only), sessions kept under the data dir. */
export function startMosquitto(dataDir: string): Promise<PeerStart> {
  const dir = join(dataDir, 'peers', 'mosquitto');
  const conf = join(dir, 'mosquitto.conf');
  return launch({
    name: 'MQTT broker', bin: process.env.TELLTALE_DEMO_MOSQUITTO || MOSQUITTO_BIN, dir, conf, args: ['-c', conf],
    url: (port) => `mqtt://127.0.0.1:${port}`,
    ready: (port) => tcpOpen(port),
    confText: (port) => [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      // Started as root, mosquitto would drop to user "mosquitto", which cannot write the data dir: stay who we are.
      `user ${userInfo().username}`,
      'persistence true',
      `persistence_location ${dir}/`,
      'autosave_interval 30',
      'log_dest stdout',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  });
}
