import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface Spawned {
  child: ChildProcess;
  /** Everything the process printed so far (stdout + stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process has exited. Kills only this PID. */
  stop(graceMs?: number): Promise<void>;
  kill9(): Promise<void>;
}

/** Starts a peer process (influxd, mosquitto, pymodbus, the gateway) that a test owns and must stop. */
export function spawnPeer(cmd: string, args: string[], opts: SpawnOptions = {}): Spawned {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let out = '';
  child.stdout?.on('data', (d) => { out += d; if (out.length > 1e6) out = out.slice(-5e5); });
  child.stderr?.on('data', (d) => { out += d; if (out.length > 1e6) out = out.slice(-5e5); });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const stop = async (graceMs = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(t);
  };
  const kill9 = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  return { child, output: () => out, stop, kill9 };
}

/** Polls fn until it returns a truthy value or timeoutMs passes; `what` (or what it returns, evaluated at the timeout) names it in the error. */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 20_000, what: string | (() => string) = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
