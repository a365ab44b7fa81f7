import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runInProcess } from '../../cli/run-in-process.ts';
import { INPUTS, bundle, tempRoot } from './bundles.ts';

const root = tempRoot('telltale-models-cli-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('telltale models', () => {
  const keyDir = join(root, 'keys');
  const key = join(keyDir, 'telltale-model.key');
  const pub = join(keyDir, 'telltale-model.pub');

  it('keygen writes a key pair and refuses to overwrite it', async () => {
    const run = await runInProcess(['models', 'keygen', '--out', keyDir]);
    expect(run.code).toBe(0);
    expect(readFileSync(pub, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const again = await runInProcess(['models', 'keygen', '--out', keyDir]);
    expect(again.code).toBe(2);
    expect(again.err).toContain('a key pair already exists there');
  });

  it('sign then verify accepts the bundle with the asset inputs', async () => {
    const dir = await bundle(root, 'cli');
    expect((await runInProcess(['models', 'sign', dir, '--key', key])).code).toBe(0);
    const run = await runInProcess(['models', 'verify', dir, '--pub', pub, '--inputs', INPUTS.join(',')]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^ok: cli v1 \(pca, 3 inputs/);
  });

  it('verify refuses an unsigned bundle with exit 3 and the reason', async () => {
    const run = await runInProcess(['models', 'verify', await bundle(root, 'plain'), '--pub', pub]);
    expect(run.code).toBe(3);
    expect(run.err).toMatch(/^refused \(unsigned\): model plain v1/);
  });

  it('verify refuses a tampered params file', async () => {
    const dir = await bundle(root, 'tp');
    await runInProcess(['models', 'sign', dir, '--key', key]);
    writeFileSync(join(dir, 'tp.params.json'), '{}');
    const run = await runInProcess(['models', 'verify', dir, '--pub', pub]);
    expect(run.code).toBe(3);
    expect(run.err).toBe(`refused (hash-mismatch): "tp.manifest.json": files.params: "tp.params.json" is not the size the manifest gives (the file was changed or corrupted)\n`);
  });

  it('names a key file that is not an Ed25519 key', async () => {
    const bad = join(root, 'bad.pem');
    writeFileSync(bad, 'hello');
    const run = await runInProcess(['models', 'verify', root, '--pub', bad]);
    expect(run.code).toBe(2);
    expect(run.err).toContain(`public key ${bad}: not a PEM public key`);
  });
});
