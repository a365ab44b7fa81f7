/**
 * Bad files at start-up: a corrupt model (bytes that no longer match the manifest hash, or not ONNX at all) and
 * malformed YAML / schema errors given to `telltale start` (the CLI run from source). Each must be refused with an error that
 * names the file and the problem; none may crash with a stack trace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { openModel } from '../../gateway/models/open.ts';
import { ModelLoadError } from '../../gateway/models/scorer.ts';

const node = join(process.cwd(), 'node_modules/.bin/node');
const cli = join(process.cwd(), 'test/faults/fixtures/cli.ts');

function runCli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(node, [cli, ...args], { timeout: 60_000, env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, out: stdout + stderr });
    });
  });
}

describe('bad input files', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'telltale-faults-in-')); });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('refuses a model whose bytes were altered after signing (hash mismatch), naming the file', async () => {
    const bundle = join(dir, 'tampered');
    cpSync('models/skab-pca', bundle, { recursive: true });
    const onnx = join(bundle, 'skab-pca.onnx');
    const bytes = readFileSync(onnx);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(onnx, bytes);
    await expect(openModel(bundle)).rejects.toThrow(/skab-pca\.onnx/);
    await expect(openModel(bundle)).rejects.toThrow(/sha256|hash/i);
  });

  it('refuses a file that is not ONNX at all with an error, not a crash', async () => {
    const junk = join(dir, 'junk.onnx');
    writeFileSync(junk, 'this is not a model');
    // The precise refusal: its own error class, the file named, the reason (not a stack, not a native abort).
    const err = await openModel(junk).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as Error).message).toMatch(/junk\.onnx: not a loadable ONNX model \(.*protobuf parsing failed/);
  });

  const bad: [string, string, RegExp][] = [
    ['malformed YAML', 'devices:\n  - id: a\n   protocol: modbus-tcp\n', /bad-malformed-yaml\.yaml:\d+:\d+/],
    ['a schema error', 'devices:\n  - id: p1\n    protocol: modbus-tcp\n    host: 127.0.0.1\n    port: 70000\n    tags: []\n', /devices\[0\]\.port/],
  ];
  for (const [what, text, expected] of bad) {
    it(`telltale start exits 2 on ${what}, naming the file and the field`, async () => {
      const file = join(dir, `bad-${what.replace(/\W+/g, '-').toLowerCase()}.yaml`);
      writeFileSync(file, text);
      const { code, out } = await runCli(['start', '--config', file]);
      expect(code).toBe(2);
      expect(out).toMatch(expected);
      expect(out).not.toMatch(/^\s+at /m);
    });
  }
});
