import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { startSimulator, type Simulator } from '../../gateway/simulator/index.ts';
import { freePort } from '../support/ports.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';
// @ts-expect-error plain JS module of the CLI launcher, no type declarations
import { DEFAULT_NODE_FLAGS } from '../../bin/node-flags.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
/** /healthz lists the devices only for a caller with an API token. */
const TOKEN = 'e2e-start-token';
const telltale = (args: string[]) => spawnPeer(join(repo, 'node_modules/.bin/node'), ['bin/telltale.js', ...args], { cwd: repo, env: { ...process.env, TELLTALE_API_TOKENS: TOKEN } });
const exited = (p: Spawned) => new Promise<number | null>((resolve) => {
  if (p.child.exitCode !== null) resolve(p.child.exitCode);
  else p.child.once('exit', (code) => resolve(code));
});

describe('telltale start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-start-'));
  let sim: Simulator;
  let gateway: Spawned | undefined;

  beforeAll(async () => {
    sim = await startSimulator({ host: '127.0.0.1' });
  });
  afterAll(async () => {
    await gateway?.stop();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the devices of a YAML config and reports them on /healthz', async () => {
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, stringify({ gateway: { id: 'e2e' }, devices: sim.devices({ deviceId: 'station' }) }));
    const apiPort = await freePort();
    gateway = telltale(['start', '--config', file, '--api-port', String(apiPort), '--editor-port', '0', '--data-dir', join(dir, 'data')]);
    const health = await waitFor(async () => {
      const body = (await (await fetch(`http://127.0.0.1:${apiPort}/healthz`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { detail: { devices: { id: string; samples: number }[] } };
      return body.detail.devices[0]?.samples > 0 ? body.detail : undefined;
    }, 60_000, () => `samples (output:\n${gateway?.output()})`);
    expect(health.devices.map((d) => d.id)).toEqual(['station']);
    // bin/telltale.js re-executed itself (same PID) with the memory-lean V8 flags and glibc arenas.
    const pid = gateway.child.pid!;
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toEqual(expect.arrayContaining(DEFAULT_NODE_FLAGS.split(' ')));
    expect(DEFAULT_NODE_FLAGS).toMatch(/--max-semi-space-size=\d+/);
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain('MALLOC_ARENA_MAX=2');
    await gateway.stop(20_000);
    expect(gateway.child.exitCode).toBe(0);
  });

  it('refuses a bad config with exit code 2 and a message naming file, path and expectation', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'devices:\n  - protocol: modbus-tcp\n    id: p1\n    host: 127.0.0.1\n    port: 70000\n    tags: [{ name: a, address: 0 }]\n');
    const p = telltale(['start', '--config', file]);
    expect(await exited(p)).toBe(2);
    expect(p.output()).toMatch(/bad\.yaml.*devices\[0\]\.port/);
  });

  it('reports a busy API port in one line, without a stack trace, and exits 1', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const file = join(dir, 'empty.yaml');
      writeFileSync(file, 'gateway: { id: busy }\n');
      const p = telltale(['start', '--config', file, '--api-port', String(port), '--editor-port', '0', '--data-dir', join(dir, 'busy')]);
      expect(await exited(p)).toBe(1);
      expect(p.output()).toContain(`telltale start: API cannot listen on 127.0.0.1:${port}: listen EADDRINUSE`);
      expect(p.output()).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });
});
