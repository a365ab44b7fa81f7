/**
 * arm64 (issue 11), under qemu-user on this x86-64 machine: the Node 24 the project pins, for arm64, with the
 * onnxruntime-node arm64 binding the image ships on arm64, scores the shipped model (float and int8) as the x64
 * build does, and `telltale start` on it reads the simulator over Modbus TCP. The arm64 user space comes from
 * scripts/image/arm64-userland.sh; the aarch64 /proc/cpuinfo onnxruntime needs under qemu (it crashes on the host's
 * x86 one: an emulator artefact) is bind-mounted in a private mount namespace of the test's own commands only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { openModel } from '../../gateway/models/open.ts';
import { startSimulator, type Simulator } from '../../gateway/simulator/index.ts';
import { freePort } from '../support/ports.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';
import { repo, run } from './podman.ts';

const MODEL = join(repo, 'models', 'skab-pca');
const ROWS = 6;
/** The same rows on both architectures: deterministic, spread over the model's range. */
const SCRIPT = `
const { openModel } = await import(${JSON.stringify(join(repo, 'dist/gateway/models/open.js'))});
const out = { arch: process.arch, node: process.version };
for (const int8 of [false, true]) {
  const m = await openModel(${JSON.stringify(MODEL)}, { int8 });
  const n = m.inputNames.length;
  const X = Float32Array.from({ length: n * ${ROWS} }, (_, i) => Math.sin(i * 0.7) * 2 + (i % n));
  out[int8 ? 'int8' : 'float'] = Array.from((await m.scorer.run(X, ${ROWS})).score);
}
console.log(JSON.stringify(out));
`;

describe('arm64 under qemu', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-arm64-'));
  let userland = '';
  let sim: Simulator | undefined;
  let gw: Spawned | undefined;
  /**
   * argv that runs the arm64 Node with `args` in a private mount namespace with the aarch64 cpuinfo, through
   * qemu-aarch64-static named explicitly (no reliance on a binfmt_misc registration, which a sandbox may not allow).
   * Without binfmt an arm64 process cannot execve another arm64 binary, so TELLTALE_NODE_FLAGS='' keeps
   * bin/telltale.js from re-executing itself (the Node flags are a memory setting, not what is checked here).
   */
  const arm64 = (args: string): [string, string[]] => ['unshare', ['-m', 'sh', '-c', `mount --bind ${userland}/cpuinfo /proc/cpuinfo && exec env TELLTALE_NODE_FLAGS= /usr/bin/qemu-aarch64-static -L ${userland}/rootfs ${userland}/node/bin/node ${args}`]];

  beforeAll(async () => {
    const r = await run('bash', ['scripts/image/arm64-userland.sh']);
    if (r.code !== 0) throw new Error(`arm64-userland.sh: ${r.stderr}`);
    userland = r.stdout.trim().split('\n').at(-1)!;
  });
  afterAll(async () => {
    await gw?.stop(20_000);
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scores the shipped model on arm64 Node and onnxruntime as on x64 (float and int8)', async () => {
    const script = join(dir, 'score.mjs');
    writeFileSync(script, SCRIPT);
    const [cmd, args] = arm64(script);
    const r = await run(cmd, args);
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { arch: string; node: string; float: number[]; int8: number[] };
    expect(got.arch).toBe('arm64');
    expect(got.node).toBe(process.version);
    // The x64 reference: this process, the same rows.
    for (const int8 of [false, true]) {
      const m = await openModel(MODEL, { int8 });
      const n = m.inputNames.length;
      const X = Float32Array.from({ length: n * ROWS }, (_, i) => Math.sin(i * 0.7) * 2 + (i % n));
      const ref = Array.from((await m.scorer.run(X, ROWS)).score);
      await m.scorer.dispose();
      const arm = int8 ? got.int8 : got.float;
      expect(arm).toHaveLength(ROWS);
      arm.forEach((v, i) => expect(Math.abs(v - ref[i]) / Math.max(1, Math.abs(ref[i])), `${int8 ? 'int8' : 'float'} row ${i}: arm64 ${v}, x64 ${ref[i]}`).toBeLessThan(1e-5));
    }
  });

  it('runs telltale start on arm64 Node, reading the simulator over Modbus TCP', async () => {
    sim = await startSimulator({ host: '127.0.0.1' });
    const apiPort = await freePort();
    const cfg = join(dir, 'gateway.yaml');
    writeFileSync(cfg, stringify({ gateway: { id: 'arm64' }, api: { port: apiPort }, editor: { enabled: false, port: 0 }, devices: sim.devices({ pollIntervalMs: 200 }) }));
    const [cmd, args] = arm64(`bin/telltale.js start --config ${cfg} --data-dir ${join(dir, 'data')}`);
    gw = spawnPeer(cmd, args, { cwd: repo, env: { ...process.env, TELLTALE_API_TOKENS: 'arm64-check-token' } });
    const p = gw;
    const health = await waitFor(async () => {
      if (p.child.exitCode !== null) throw new Error(`telltale start exited ${p.child.exitCode}`);
      const res = await fetch(`http://127.0.0.1:${apiPort}/healthz`, { headers: { authorization: 'Bearer arm64-check-token' } });
      const body = (await res.json()) as { devices: { connected: number }; detail?: { devices: { samples: number }[] } };
      return body.detail?.devices.every((d) => d.samples > 0) ? body : undefined;
    }, 240_000, () => `samples on arm64 (exit ${p.child.exitCode}; output:\n${p.output().slice(-2000)})`);
    expect(health.devices.connected).toBe(health.detail!.devices.length);
    await p.stop(60_000);
    expect({ code: p.child.exitCode, signal: p.child.signalCode }, p.output().slice(-1500)).toEqual({ code: 0, signal: null });
  });
});
