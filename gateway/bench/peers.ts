/**
 * The bench's peers: the simulator in a child process, and a real influxd and mosquitto on loopback. The servers
 * are started by the same helpers the tests use (test/support), loaded from the package root at run time so the
 * compiled CLI finds them too (Node 24 runs the .ts helpers by type stripping).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packageRoot } from '../core/package-root.ts';

export interface SimulatorChild {
  port: number;
  /** Injects a step fault; resolves with the onset time the simulator stamped (ms since the epoch). */
  fault(asset: string): Promise<number>;
  clear(asset: string): Promise<number>;
  stats(): Promise<{ ticks: number; droppedTicks: number; modbus: { requests: number }; cpuUs: number }>;
  close(): Promise<void>;
}

export async function startSimulatorChild(opts: { assets: number; tagsPerAsset: number; rate: number }): Promise<SimulatorChild> {
  // The child entry beside this file, .ts from source, .js from dist/.
  const self = fileURLToPath(import.meta.url);
  const entry = self.replace(/peers\.(ts|js)$/, 'sim-child.$1');
  const child: ChildProcess = spawn(process.execPath, [entry, JSON.stringify(opts)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = new Map<string, (rest: string) => void>();
  let out = '';
  let ready: (port: number) => void = () => undefined;
  let failed: (err: Error) => void = () => undefined;
  const port = new Promise<number>((resolve, reject) => { ready = resolve; failed = reject; });
  child.once('exit', (code) => failed(new Error(`bench: simulator child exited with code ${code} before it was ready`)));
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      const [word, ...rest] = line.split(' ');
      if (word === 'READY') ready(Number(rest[0]));
      else {
        const key = word === 'STATS' ? 'STATS' : `${word} ${rest[0]}`;
        const w = waiting.get(key);
        waiting.delete(key);
        w?.(word === 'STATS' ? rest.join(' ') : rest[1]);
      }
    }
  });
  const ask = (cmd: string, key: string): Promise<string> => new Promise((resolve) => {
    waiting.set(key, resolve);
    child.stdin!.write(`${cmd}\n`);
  });
  return {
    port: await port,
    fault: async (asset) => Number(await ask(`fault ${asset}`, `FAULT ${asset}`)),
    clear: async (asset) => Number(await ask(`clear ${asset}`, `CLEAR ${asset}`)),
    stats: async () => JSON.parse(await ask('stats', 'STATS')),
    close: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

export interface Server { url: string; dispose(): Promise<void> }

export async function startServers(): Promise<{ influxd: Server; mosquitto: Server }> {
  const load = (name: string) => import(pathToFileURL(join(packageRoot, 'test', 'support', `${name}.ts`)).href);
  const { startInfluxd } = await load('influxd') as { startInfluxd(): Promise<Server> };
  const { startMosquitto } = await load('mosquitto') as { startMosquitto(): Promise<Server> };
  const influxd = await startInfluxd();
  try {
    return { influxd, mosquitto: await startMosquitto() };
  } catch (e) {
    await influxd.dispose();
    throw e;
  }
}
