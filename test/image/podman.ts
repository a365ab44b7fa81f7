/** podman for the image tests: runs with the project's containers.conf, names what failed with its output. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repo = fileURLToPath(new URL('../..', import.meta.url));
const env = { ...process.env, CONTAINERS_CONF: `${repo}scripts/image/containers.conf` };

export interface Run { code: number; stdout: string; stderr: string }

/** Runs a command; resolves with its exit code and output (never rejects on a non-zero exit). */
export function run(cmd: string, args: string[], timeoutMs = 600_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, cwd: repo, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? (err as unknown as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export const podman = (...args: string[]): Promise<Run> => run('podman', args);

/** podman …, and throws with the command and its stderr unless it exits 0; returns stdout trimmed. */
export async function podmanOk(...args: string[]): Promise<string> {
  const r = await podman(...args);
  if (r.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${r.code}:\n${r.stderr.slice(-3000)}${r.stdout.slice(-1000)}`);
  return r.stdout.trim();
}

/** waitFor, whose failure message is gathered asynchronously (a container's logs) when it times out. */
export async function waitForAsync<T>(fn: () => T | Promise<T>, timeoutMs: number, what: () => Promise<string>): Promise<NonNullable<T>> {
  const { waitFor } = await import('../support/process.ts');
  try {
    return await waitFor(fn, timeoutMs, 'condition');
  } catch (err) {
    throw new Error(`${(err as Error).message.replace(/waiting for condition/, 'waiting for')} ${await what()}`);
  }
}
