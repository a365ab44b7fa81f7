/**
 * Hostile bundles on disk (issue 10.1): the drop directory, `telltale models verify`, openModel and the store's
 * own files. Links inside a bundle are never followed, a FIFO never blocks, an unsigned bundle is refused before
 * any file but its manifest is opened, and nothing outside the bundle is read (a canary's atime stays put).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, ftruncateSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DropWatcher, ModelLifecycle, ModelRefusedError, verifyBundle } from '../../../gateway/models/lifecycle/index.ts';
import { openModel } from '../../../gateway/models/open.ts';
import { ModelLoadError, OnnxScorer } from '../../../gateway/models/scorer.ts';
import { runInProcess } from '../../cli/run-in-process.ts';
import { bundle, keys, tempRoot } from './bundles.ts';
import { canary, craft, leaks, readManifest, refusal, sha256, signed } from './hostile.ts';

const root = tempRoot('telltale-model-attacks-');
afterAll(() => rmSync(root, { recursive: true, force: true }));


describe('hostile bundles on disk', () => {
  let k: Awaited<ReturnType<typeof keys>>;
  let good: string;
  let secret: ReturnType<typeof canary>;

  beforeAll(async () => {
    k = await keys(root);
    good = await bundle(root, 'pump', { privateKey: k.privateKey });
    secret = canary(root);
  });

  it('never follows a link inside a bundle, even under a valid signature', async () => {
    const dir = craft(root, good, 'pump', signed({ ...readManifest(good, 'pump') }, k.privateKey));
    rmSync(join(dir, 'pump.onnx'));
    symlinkSync(secret.path, join(dir, 'pump.onnx'));
    const err = await refusal(verifyBundle(dir, k.publicKey));
    expect(err.reason).toBe('not-a-file');
    expect(err.message).toBe('"pump.manifest.json": files.float: "pump.onnx" is a symbolic link, not a regular file');
    expect(secret.read()).toBe(false);
    // The manifest itself as a link: refused too.
    const viaLink = craft(root, good, 'pump', readFileSync(join(good, 'pump.manifest.json'), 'utf8'));
    rmSync(join(viaLink, 'pump.manifest.json'));
    symlinkSync(join(good, 'pump.manifest.json'), join(viaLink, 'pump.manifest.json'));
    expect((await refusal(verifyBundle(viaLink, k.publicKey))).reason).toBe('not-a-file');
  });

  it('refuses an unsigned bundle before opening its params: a FIFO there neither blocks nor is opened', async () => {
    const dir = craft(root, good, 'pump', readFileSync(join(good, 'pump.manifest.json'), 'utf8').replace(/"signature": "[^"]+"/, '"signature": null'));
    rmSync(join(dir, 'pump.params.json'));
    execFileSync('mkfifo', [join(dir, 'pump.params.json')]);
    // Opened before the signature check, the FIFO would block (or be refused as not-a-file): the reason says it was not.
    expect((await refusal(verifyBundle(dir, k.publicKey))).reason).toBe('unsigned');
    // Signed, the FIFO is opened without blocking and refused for what it is.
    const signedDir = craft(root, good, 'pump', readFileSync(join(good, 'pump.manifest.json'), 'utf8'));
    rmSync(join(signedDir, 'pump.params.json'));
    execFileSync('mkfifo', [join(signedDir, 'pump.params.json')]);
    const err = await refusal(verifyBundle(signedDir, k.publicKey));
    expect([err.reason, err.message]).toEqual(['not-a-file', '"pump.manifest.json": files.params: "pump.params.json" is not a regular file']);
    // openModel (local bundles need no signature) opens it too, without hanging, and names the path it was given.
    const opened = await openModel(signedDir).then(() => undefined, (e: unknown) => e as ModelRefusedError);
    expect(opened?.reason).toBe('not-a-file');
    expect(opened?.message).toBe(`model bundle ${signedDir}: "pump.manifest.json": files.params: "pump.params.json" is not a regular file`);
  });

  it('refuses an unsigned bundle with a 50 MB params file as unsigned at once, and a signed one as too large before reading it', async () => {
    const m = readManifest(good, 'pump');
    const size = 50 * 1024 * 1024;
    const withBig = (manifest: typeof m) => {
      const dir = craft(root, good, 'pump', JSON.stringify(manifest));
      const fd = openSync(join(dir, 'pump.params.json'), 'w');
      ftruncateSync(fd, size); // sparse: 50 MB of zeros, written in no time
      closeSync(fd);
      return dir;
    };
    const big = { ...m, files: { ...m.files, params: { path: 'pump.params.json', sha256: 'b'.repeat(64), bytes: size } } };
    const t0 = performance.now();
    expect((await refusal(verifyBundle(withBig({ ...big, signature: null }), k.publicKey))).reason).toBe('unsigned');
    const t1 = performance.now();
    const err = await refusal(verifyBundle(withBig(signed(big, k.privateKey)), k.publicKey));
    const t2 = performance.now();
    expect([err.reason, err.message]).toEqual(['too-large', '"pump.manifest.json": files.params: "pump.params.json": the manifest gives a size over the 8 MiB cap']);
    // The manifest says small, the file is 50 MB: fstat refuses it before a byte is read.
    const lying = withBig(signed(m, k.privateKey));
    expect((await refusal(verifyBundle(lying, k.publicKey))).message).toBe('"pump.manifest.json": files.params: "pump.params.json" is larger than the 8 MiB cap');
    expect(t1 - t0).toBeLessThan(500);
    expect(t2 - t1).toBeLessThan(500);
  });

  it('bounds params by the manifest: a signed params file with inputs, trees or k that do not fit is refused before a model is built', async () => {
    const m = readManifest(good, 'pump');
    const base = JSON.parse(readFileSync(join(good, 'pump.params.json'), 'utf8')) as Record<string, unknown>;
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, k: 50_000 }, 'k must be an integer from 1 to inputs.count (3)'],
      [{ ...base, normalisation: { mean: new Array(200).fill(0), std: new Array(200).fill(1) } }, 'normalisation.mean must be an array of 3 numbers'],
      [{ ...base, components: [1, 2] }, `components must be an array of ${3 * (base.k as number)} numbers`],
      [{ ...base, family: 'knn' }, "family is \"knn\", the manifest says 'pca'"],
      [{ ...base, eigenvalues: (base.eigenvalues as number[]).map(() => -1) }, 'eigenvalues[0] is out of range'],
    ];
    for (const [params, expected] of cases) {
      const bytes = Buffer.from(JSON.stringify(params));
      const dir = craft(root, good, 'pump', JSON.stringify(signed({ ...m, files: { ...m.files, params: { path: 'pump.params.json', sha256: sha256(bytes), bytes: bytes.length } } }, k.privateKey)));
      writeFileSync(join(dir, 'pump.params.json'), bytes);
      const t0 = performance.now();
      const err = await refusal(verifyBundle(dir, k.publicKey));
      expect(performance.now() - t0).toBeLessThan(500);
      expect([err.reason, err.message]).toEqual(['bad-params', `"pump.manifest.json": files.params: "pump.params.json": ${expected}`]);
    }
  });

  it('the drop directory refuses a symlinked bundle and a bundle with a symlinked file, reads nothing outside, and keeps the reason file its own', async () => {
    const store = new ModelLifecycle({ dir: join(root, 'store-drop'), publicKey: k.publicKey, onError: () => {} });
    await store.open();
    const drop = join(root, 'drop');
    mkdirSync(drop, { recursive: true });
    // A link to a bundle directory elsewhere, and a bundle whose .onnx links to the canary (signed manifest).
    symlinkSync(good, join(drop, 'elsewhere'));
    const inner = craft(root, good, 'pump', readFileSync(join(good, 'pump.manifest.json'), 'utf8'));
    rmSync(join(inner, 'pump.int8.onnx'));
    symlinkSync(secret.path, join(inner, 'pump.int8.onnx'));
    execFileSync('mv', [inner, join(drop, 'inner')]);
    // A planted link where the watcher writes a reason file: it must not write through it.
    mkdirSync(join(drop, 'refused'));
    const target = join(root, 'not-to-be-written.txt');
    symlinkSync(target, join(drop, 'refused', 'inner.reason.txt'));
    const results: Record<string, string> = {};
    const watcher = new DropWatcher({ dir: drop, lifecycle: store, onResult: (e, r) => { results[e] = 'id' in r ? r.id : `${(r.error as ModelRefusedError).reason}: ${r.error.message}` } });
    await watcher.scan();
    await watcher.stop();
    await store.close();
    expect(results).toEqual({
      elsewhere: 'not-a-file: drop/elsewhere is a symbolic link; drop a bundle directory itself',
      inner: 'not-a-file: "pump.manifest.json": files.int8: "pump.int8.onnx" is a symbolic link, not a regular file',
    });
    expect(secret.read()).toBe(false);
    expect(existsSync(target)).toBe(false);
    expect(readFileSync(join(drop, 'refused', 'inner.reason.txt'), 'utf8')).toMatch(/is a symbolic link/);
    expect(existsSync(join(good, 'pump.manifest.json'))).toBe(true); // the link moved, not what it points to
    expect(readdirSync(join(root, 'store-drop', 'versions'))).toEqual([]);
    for (const f of readdirSync(join(drop, 'refused')).filter((f) => f.endsWith('.txt'))) expect(leaks(readFileSync(join(drop, 'refused', f), 'utf8'), [root, secret.secret])).toEqual([]);
  });

  it('`telltale models verify` refuses a manifest naming a file outside the bundle with exit 3, no host path or hash', async () => {
    const pub = k.publicKeyPath;
    for (const path of ['../../../../etc/passwd', secret.path, '/dev/zero']) {
      const m = readManifest(good, 'pump');
      const dir = craft(root, good, 'pump', signed({ ...m, files: { ...m.files, float: { ...m.files.float, path } } }, k.privateKey));
      const run = await runInProcess(['models', 'verify', dir, '--pub', pub]);
      expect(run.code).toBe(3);
      expect(run.err).toBe('refused (unsafe-path): "pump.manifest.json": files.float.path is not a plain file name in the bundle (letters, digits, _ . -; no separator, \'..\' or absolute path)\n');
    }
    expect(secret.read()).toBe(false);
  });

  it('a bare .onnx path (openModel, OnnxScorer.create) must be a regular file under the cap: a link to /dev/zero is refused at once', async () => {
    const zero = join(root, 'zero.onnx');
    symlinkSync('/dev/zero', zero);
    const t0 = performance.now();
    const err = await openModel(zero).then(() => undefined, (e: unknown) => e as ModelRefusedError);
    expect([err?.reason, err?.message]).toEqual(['not-a-file', `model bundle ${zero}: the file is not a regular file`]);
    await expect(OnnxScorer.create('/dev/zero')).rejects.toThrow(new ModelLoadError('model /dev/zero: the file is not a regular file'));
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it('open() removes what an interrupted install left, and state.json is written whole', async () => {
    const dir = join(root, 'store-stale');
    mkdirSync(join(dir, '.incoming', 'a1b2'), { recursive: true });
    writeFileSync(join(dir, '.incoming', 'a1b2', 'pump.onnx'), 'x');
    mkdirSync(join(dir, 'versions', '.pump-v1.0000'), { recursive: true });
    writeFileSync(join(dir, 'state.json.tmp'), '{"act');
    const store = new ModelLifecycle({ dir, publicKey: k.publicKey, onError: () => {} });
    await store.open();
    expect(readdirSync(dir).sort()).toEqual(['versions']);
    expect(readdirSync(join(dir, 'versions'))).toEqual([]);
    await store.activate(await store.install(good));
    expect(readdirSync(dir).sort()).toEqual(['state.json', 'versions']);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))).toEqual({ active: 'pump-v1', history: [] });
    await store.close();
    // A state.json that is not ours (a link, junk) is reported and ignored, not followed.
    rmSync(join(dir, 'state.json'));
    symlinkSync(secret.path, join(dir, 'state.json'));
    const errors: string[] = [];
    const again = new ModelLifecycle({ dir, publicKey: k.publicKey, onError: (e) => errors.push(e.message) });
    await again.open();
    expect(again.active.current).toBeUndefined();
    expect(errors).toEqual(['model store state.json: state.json is a symbolic link, not a regular file; starting with no active model']);
    await again.close();
    expect(secret.read()).toBe(false);
  });
});
