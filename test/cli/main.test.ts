import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, main } from '../../gateway/cli/main.ts';
import { ConfigError } from '../../gateway/config/load.ts';
import { packageRoot, packageVersion } from '../../gateway/core/package-root.ts';
import { spawnPeer } from '../support/process.ts';
import { commandPaths, runInProcess } from './run-in-process.ts';

const paths = commandPaths(await buildProgram());

describe('telltale program', () => {
  it('registers the config command', () => {
    expect(paths).toContainEqual(['config', 'check']);
    expect(paths).toContainEqual(['config', 'print']);
  });

  it('prints its version', async () => {
    const run = await runInProcess(['--version']);
    expect(run.out.trim()).toBe(packageVersion);
    expect(run.code).toBe(0);
  });

  it('lists every command in --help', async () => {
    const run = await runInProcess(['--help']);
    expect(run.code).toBe(0);
    for (const path of paths.filter((p) => p.length === 1)) expect(run.out).toContain(path[0]);
  });

  it.each(paths.map((p) => [p.join(' '), p]))('shows --help for %s', async (_name, path) => {
    const run = await runInProcess([...(path as string[]), '--help']);
    expect(run.code).toBe(0);
    expect(run.out).toContain(`Usage: telltale ${(path as string[]).join(' ')}`);
  });

  it('rejects an unknown command with exit code 1 and help', async () => {
    const run = await runInProcess(['frobnicate']);
    expect(run.code).toBe(1);
    expect(run.err).toContain("unknown command 'frobnicate'");
  });
});

describe('bin/telltale.js (built)', () => {
  const built = join(packageRoot, 'dist/gateway/cli/main.js');
  const node = join(packageRoot, 'node_modules/.bin/node');

  it('answers --help and --version when spawned', async () => {
    expect(existsSync(built), `${built} is missing: run npm run build first`).toBe(true);
    for (const [args, expected] of [[['--help'], 'Usage: telltale'], [['--version'], packageVersion], [['config', 'check', '--help'], 'Usage: telltale config check']] as const) {
      const cli = spawnPeer(node, ['bin/telltale.js', ...args], { cwd: packageRoot });
      const code = await new Promise<number | null>((resolve) => cli.child.once('close', resolve));
      expect(code).toBe(0);
      expect(cli.output()).toContain(expected);
    }
  });
});

describe('main', () => {
  it('reports a ConfigError from any command without a stack and exits with 2', async () => {
    const program = new Command('telltale').exitOverride();
    program.command('boom').action(() => {
      throw new ConfigError('gateway.yaml', [{ path: 'api.port', message: 'expected integer ≤ 65535 (got 70000)' }]);
    });
    let err = '';
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => { err += s; return true; }) as typeof process.stderr.write;
    const before = process.exitCode;
    try {
      await main(['node', 'telltale', 'boom'], program);
      expect(process.exitCode).toBe(2);
    } finally {
      process.stderr.write = write;
      process.exitCode = before;
    }
    expect(err).toBe('gateway.yaml: api.port: expected integer ≤ 65535 (got 70000)\n');
  });
});
