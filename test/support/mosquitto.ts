/**
 * A real Mosquitto 2 broker for tests: temp config with one listener on a free loopback port, anonymous access,
 * persistence off unless asked for (then in the temp dir, so a restart keeps retained messages and sessions).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.ts';
import { spawnPeer, type Spawned } from './process.ts';

export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';

export interface MosquittoOptions {
  /** Keep sessions and retained messages on disk across restart(). */
  persistence?: boolean;
  /** false: clients must log in (give a password_file in extraConfig). Default true. */
  allowAnonymous?: boolean;
  /** Extra lines for mosquitto.conf, appended (e.g. a second, TLS listener; a password_file). */
  extraConfig?: string;
}

export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  output(): string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
  /** Starts the broker again on the same port and dir (after stop or kill9). */
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-mosquitto-'));
  const port = await freePort();
  const confPath = join(dir, 'mosquitto.conf');
  const lines = [
    `listener ${port} 127.0.0.1`,
    `allow_anonymous ${opts.allowAnonymous === false ? 'false' : 'true'}`,
    // Started as root, mosquitto drops to user "mosquitto", which cannot write the temp dir: stay who we are.
    `user ${userInfo().username}`,
    `persistence ${opts.persistence ? 'true' : 'false'}`,
    ...(opts.persistence ? [`persistence_location ${dir}/`, 'autosave_interval 1'] : []),
    'log_dest stdout',
    'log_type error',
    'log_type warning',
    'max_inflight_messages 0',
    'max_queued_messages 0',
    opts.extraConfig ?? '',
  ];
  writeFileSync(confPath, lines.join('\n') + '\n');
  let proc: Spawned | undefined;

  const launch = async () => {
    proc = spawnPeer(MOSQUITTO_BIN, ['-c', confPath]);
    const p = proc;
    const exited = new Promise<never>((_, reject) => p.child.once('exit', (code) => reject(new Error(`mosquitto exited with ${code}: ${p.output().slice(-2000)}`))));
    exited.catch(() => undefined);
    await Promise.race([waitForPort(port, '127.0.0.1', 20_000), exited]);
  };
  await launch();

  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
    output: () => proc?.output() ?? '',
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
