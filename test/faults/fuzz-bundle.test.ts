/**
 * Property tests of model bundle intake (issue 10.1): random and mutated bundles, through the store as an upload
 * (memory) and as a directory (disk), and through openModel. Whatever the bundle, the outcome is an installed
 * version or a ModelRefusedError with a known reason whose message names no host path and no host file's hash;
 * nothing outside the bundle is read (a canary beside it keeps its atime: reads move it, see hostile.ts); and the
 * store holds nothing but accepted versions (no .incoming, no temporary version directories).
 * The kinds and counts of cases run are printed at the end (`fuzz-bundle cases`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LifecycleError, ModelLifecycle, ModelRefusedError, type RefusalReason } from '../../gateway/models/lifecycle/index.ts';
import { openModel } from '../../gateway/models/open.ts';
import { ModelLoadError } from '../../gateway/models/scorer.ts';
import { bundle, keys, tempRoot } from '../models/lifecycle/bundles.ts';
import { canary, leaks, readManifest, sha256, signed, type Manifest } from '../models/lifecycle/hostile.ts';

const REASONS: RefusalReason[] = ['unsigned', 'bad-signature', 'hash-mismatch', 'invalid-bundle', 'inputs-mismatch', 'no-public-key', 'version-exists', 'unsafe-path', 'not-a-file', 'too-large', 'bad-params'];
const cage = tempRoot('telltale-fuzz-bundle-');
const counts: Record<string, number> = {};
const count = (key: string) => { counts[key] = (counts[key] ?? 0) + 1; };

afterAll(() => {
  console.log(`fuzz-bundle cases ${JSON.stringify(counts)}`);
  rmSync(cage, { recursive: true, force: true });
});

type Files = Record<string, Uint8Array>;
type Mutation =
  | { kind: 'file-entry'; key: 'float' | 'int8' | 'params'; path?: string; bytes?: unknown; sha?: unknown; extra?: Record<string, unknown> }
  | { kind: 'extra-fields'; at: 'top' | 'inputs' | 'files' | 'threshold' | 'training'; extra: Record<string, unknown> }
  | { kind: 'field-value'; path: readonly string[]; value: unknown }
  | { kind: 'file-bytes'; name: string; bytes: Uint8Array; rehash: boolean }
  | { kind: 'manifest-text'; how: 'random' | 'delete' | 'duplicate' | 'replace'; at: number; len: number; junk: string; bytes: Uint8Array }
  | { kind: 'params'; patch: Record<string, unknown> }
  | { kind: 'link'; name: string; to: 'canary' | 'fifo' | 'dir' };

const FILES = ['pump.onnx', 'pump.int8.onnx', 'pump.params.json'] as const;

describe('model bundle intake (fuzz)', () => {
  let k: Awaited<ReturnType<typeof keys>>;
  let good: string;
  let base: Manifest;
  let goodFiles: Files;
  let secret: ReturnType<typeof canary>;
  let store: ModelLifecycle;
  const storeDir = join(cage, 'data', 'models');

  beforeAll(async () => {
    k = await keys(cage);
    good = await bundle(cage, 'pump', { privateKey: k.privateKey });
    base = readManifest(good, 'pump');
    goodFiles = Object.fromEntries(readdirSync(good).map((f) => [f, new Uint8Array(readFileSync(join(good, f)))]));
    secret = canary(cage);
    store = new ModelLifecycle({ dir: storeDir, publicKey: k.publicKey, onError: () => {} });
    await store.open();
  });
  afterAll(() => store.close());

  const hostilePath = fc.oneof(
    fc.constantFrom('../canary.txt', '../../canary.txt', join(cage, 'canary.txt'), '../../../../etc/passwd', '/etc/passwd', '/dev/zero', '/dev/urandom', '/proc/self/environ',
      '/proc/self/mem', '..', '.', '', 'a/b', 'pump.onnx/', '..\\canary.txt', 'pump.onnx\u0000', 'PUMP.ONNX', 'pump.manifest.json', '.pump.onnx', 'x'.repeat(300), 'pump.onnx', 'pump.int8.onnx',
      'pump.params.json', '%2e%2e%2fcanary.txt', 'pump.onnx ', '~/canary.txt', 'C:\\Windows', 'canary.txt', '__proto__', 'constructor', 'toString'),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.stringMatching(/^[A-Za-z0-9_.-]{1,24}$/),
  );
  const anyJson = fc.jsonValue({ maxDepth: 3 });
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({
      kind: fc.constant('file-entry' as const), key: fc.constantFrom('float' as const, 'int8' as const, 'params' as const),
      path: fc.option(hostilePath, { nil: undefined }),
      bytes: fc.option(fc.oneof(fc.integer({ min: -5, max: 2 ** 32 }), fc.constantFrom(0, 1, 8 * 1024 * 1024 + 1, 2 ** 31, 1.5, -1), anyJson), { nil: undefined }),
      sha: fc.option(fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string({ maxLength: 70 }), anyJson), { nil: undefined }),
      extra: fc.option(fc.dictionary(fc.string({ maxLength: 10 }), anyJson, { maxKeys: 3 }), { nil: undefined }),
    }),
    fc.record({ kind: fc.constant('extra-fields' as const), at: fc.constantFrom('top' as const, 'inputs' as const, 'files' as const, 'threshold' as const, 'training' as const), extra: fc.dictionary(fc.string({ maxLength: 12 }), anyJson, { minKeys: 1, maxKeys: 3 }) }),
    fc.record({ kind: fc.constant('field-value' as const), path: fc.constantFrom(['name'], ['version'], ['family'], ['inputs', 'count'], ['inputs', 'names'], ['normalisation', 'mean'], ['normalisation', 'std'], ['threshold', 'value'], ['files'], ['files', 'params'], ['format'], ['signature'], ['training', 'rows']), value: fc.oneof(anyJson, fc.constantFrom(1e9, 257, -1, 0, null, '../x', [1, 2], 'ed25519:AAAA')) }),
    fc.record({ kind: fc.constant('file-bytes' as const), name: fc.constantFrom(...FILES), bytes: fc.uint8Array({ maxLength: 2048 }), rehash: fc.boolean() }),
    fc.record({ kind: fc.constant('manifest-text' as const), how: fc.constantFrom('random' as const, 'delete' as const, 'duplicate' as const, 'replace' as const), at: fc.nat(3000), len: fc.nat(120), junk: fc.string({ maxLength: 30 }), bytes: fc.uint8Array({ maxLength: 512 }) }),
    fc.record({ kind: fc.constant('params' as const), patch: fc.dictionary(fc.constantFrom('k', 'components', 'eigenvalues', 'normalisation', 'family', 'qLimit', 'scoreKind', 'sizes', 'trees', 'memory', 'rows'), fc.oneof(anyJson, fc.constantFrom(1e9, 256, 0, -3, 3, 1, [1], { mean: [0], std: [1] }), fc.array(fc.double(), { maxLength: 20 })), { minKeys: 1, maxKeys: 3 }) }),
    fc.record({ kind: fc.constant('link' as const), name: fc.constantFrom(...FILES, 'pump.manifest.json'), to: fc.constantFrom('canary' as const, 'fifo' as const, 'dir' as const) }),
  );
  const signing = fc.constantFrom('resign' as const, 'keep' as const, 'null' as const);

  /** The bundle's files after a mutation (a link mutation returns the link to make on disk instead). */
  function apply(mut: Mutation, sign: 'resign' | 'keep' | 'null'): { files: Files; link?: { name: string; to: 'canary' | 'fifo' | 'dir' } } {
    const m = structuredClone(base) as Manifest & Record<string, Record<string, unknown>>;
    const files: Files = { ...goodFiles };
    let text: Uint8Array | undefined;
    const set = (obj: Record<string, unknown>, path: readonly string[], value: unknown) => {
      let o = obj;
      for (const p of path.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
      o[path.at(-1)!] = value;
    };
    switch (mut.kind) {
      case 'file-entry': {
        const entry = { ...(m.files[mut.key] ?? { path: 'pump.params.json', sha256: '0'.repeat(64), bytes: 1 }) } as Record<string, unknown>;
        if (mut.path !== undefined) entry.path = mut.path;
        if (mut.bytes !== undefined) entry.bytes = mut.bytes;
        if (mut.sha !== undefined) entry.sha256 = mut.sha;
        Object.assign(entry, mut.extra ?? {});
        (m.files as Record<string, unknown>)[mut.key] = entry;
        break;
      }
      case 'extra-fields':
        Object.assign(mut.at === 'top' ? m : m[mut.at], mut.extra);
        break;
      case 'field-value':
        set(m, mut.path, mut.value);
        break;
      case 'file-bytes': {
        files[mut.name] = mut.bytes;
        if (mut.rehash) {
          const key = mut.name === 'pump.onnx' ? 'float' : mut.name === 'pump.int8.onnx' ? 'int8' : 'params';
          (m.files as Record<string, unknown>)[key] = { ...m.files[key], sha256: sha256(mut.bytes), bytes: mut.bytes.length };
        }
        break;
      }
      case 'params': {
        const params = { ...JSON.parse(Buffer.from(goodFiles['pump.params.json']).toString('utf8')), ...mut.patch };
        const bytes = Buffer.from(JSON.stringify(params));
        files['pump.params.json'] = bytes;
        m.files.params = { path: 'pump.params.json', sha256: sha256(bytes), bytes: bytes.length };
        break;
      }
      case 'manifest-text': {
        const json = JSON.stringify(sign === 'resign' ? signed(m, k.privateKey) : m);
        const at = mut.at % (json.length + 1);
        const span = json.slice(at, at + mut.len);
        text = mut.how === 'random' ? mut.bytes : Buffer.from(
          mut.how === 'delete' ? json.slice(0, at) + json.slice(at + mut.len)
            : mut.how === 'duplicate' ? json.slice(0, at) + span + span + json.slice(at + mut.len)
              : json.slice(0, at) + mut.junk + json.slice(at + mut.len));
        break;
      }
      case 'link':
        break;
    }
    if (text) files['pump.manifest.json'] = text;
    else {
      const out = sign === 'resign' ? signed(m, k.privateKey) : sign === 'null' ? { ...m, signature: null } : m;
      files['pump.manifest.json'] = Buffer.from(JSON.stringify(out));
    }
    return { files, ...(mut.kind === 'link' ? { link: { name: mut.name, to: mut.to } } : {}) };
  }

  /** The store after a case: only accepted versions, complete; no .incoming, no temporary directories. */
  function checkStore(accepted?: string): void {
    expect(existsSync(join(storeDir, '.incoming'))).toBe(false);
    const versions = readdirSync(join(storeDir, 'versions'));
    expect(versions.filter((v) => v.startsWith('.'))).toEqual([]);
    expect(versions).toEqual(accepted ? [accepted] : []);
    if (accepted) {
      const stored = readdirSync(join(storeDir, 'versions', accepted));
      // Removed first, so one failing case does not leave a version behind for the cases after it (and shrinking).
      rmSync(join(storeDir, 'versions', accepted), { recursive: true });
      // The store keeps the manifest under the model's own name (`<name>.manifest.json`), whatever the bundle called it.
      expect(stored.filter((f) => f.endsWith('.manifest.json'))).toHaveLength(1);
    }
  }

  /** The one outcome allowed besides success: a refusal with a known reason that says nothing about the host. */
  function checkRefusal(err: unknown, what: string, givenPath?: string): void {
    if (err instanceof LifecycleError && err.code === 'bad-upload') return count(`${what}:bad-upload`);
    if (!(err instanceof ModelRefusedError)) throw new Error(`${what}: not a refusal: ${(err as Error)?.stack ?? String(err)}`);
    expect(REASONS).toContain(err.reason);
    let message = err.message;
    if (givenPath) {
      // A host (openModel) names the path it was given, and after it only the bundle's own terms.
      expect(message.startsWith(`model bundle ${givenPath}: `)).toBe(true);
      message = message.slice(`model bundle ${givenPath}: `.length);
    }
    expect(leaks(message, [cage, secret.secret, sha256(secret.secret)])).toEqual([]);
    count(`${what}:${err.reason}`);
  }

  function writeBundle(files: Files, link?: { name: string; to: 'canary' | 'fifo' | 'dir' }): string {
    const dir = mkdtempSync(join(cage, 'b-'));
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    if (link) {
      rmSync(join(dir, link.name), { force: true });
      if (link.to === 'canary') symlinkSync(secret.path, join(dir, link.name));
      else if (link.to === 'dir') symlinkSync(cage, join(dir, link.name));
      else execFileSync('mkfifo', [join(dir, link.name)]);
    }
    return dir;
  }

  it('an upload (in memory) is installed or refused with a reason, reads nothing else, leaves nothing', async () => {
    await fc.assert(fc.asyncProperty(mutation, signing, async (mut, sign) => {
      count(`upload:${mut.kind}`);
      const { files, link } = apply(mut, sign);
      if (link) delete files[link.name]; // an upload has no links: the file is missing instead
      const t0 = performance.now();
      const id = await store.installFiles(files, 'fuzz').then((v) => { count('upload:installed'); return v; }, (err: unknown) => { checkRefusal(err, 'upload'); return undefined; });
      expect(performance.now() - t0).toBeLessThan(3_000);
      expect(secret.read()).toBe(false);
      checkStore(id);
    }), { numRuns: 2000 });
  });

  it('a bundle directory (on disk, links and FIFOs included) is installed or refused the same way', async () => {
    await fc.assert(fc.asyncProperty(mutation, signing, async (mut, sign) => {
      count(`dir:${mut.kind}`);
      const { files, link } = apply(mut, sign);
      const dir = writeBundle(files, link);
      try {
        const id = await store.install(dir, 'fuzz').then((v) => { count('dir:installed'); return v; }, (err: unknown) => { checkRefusal(err, 'dir'); return undefined; });
        expect(secret.read()).toBe(false);
        checkStore(id);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }), { numRuns: 1000 });
  });

  it('a signed manifest naming anything but a plain file name is refused as unsafe-path before any file is opened, even with the canary\'s true sha256 and size', async () => {
    const plain = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
    const name = hostilePath.filter((p) => !(plain.test(p) && !p.endsWith('.manifest.json')));
    await fc.assert(fc.asyncProperty(name, fc.constantFrom('float' as const, 'int8' as const, 'params' as const), fc.constantFrom('upload' as const, 'dir' as const), async (path, key, target) => {
      count(`names:${target}`);
      const m = structuredClone(base);
      // The manifest vouches for the canary's exact bytes: a reader that followed the name would accept it.
      (m.files as Record<string, unknown>)[key] = { path, sha256: sha256(secret.secret), bytes: secret.secret.length };
      const files: Files = { ...goodFiles, 'pump.manifest.json': Buffer.from(JSON.stringify(signed(m, k.privateKey))) };
      const dir = target === 'dir' ? writeBundle(files) : undefined;
      try {
        const err = await (dir ? store.install(dir, 'fuzz') : store.installFiles(files, 'fuzz')).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(ModelRefusedError);
        expect((err as ModelRefusedError).reason).toBe('unsafe-path');
        checkRefusal(err, 'names');
        expect(secret.read()).toBe(false);
        checkStore();
      } finally {
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    }), { numRuns: 1000 });
  });

  it('openModel (no signature needed) opens a bundle or refuses it; random ONNX bytes are a ModelLoadError, never a crash', async () => {
    await fc.assert(fc.asyncProperty(mutation, async (mut) => {
      count(`openModel:${mut.kind}`);
      const { files, link } = apply(mut, 'keep');
      const dir = writeBundle(files, link);
      try {
        const opened = await openModel(dir).catch((err: unknown) => {
          if (err instanceof ModelLoadError) return void count('openModel:model-load-error');
          checkRefusal(err, 'openModel', dir);
          return undefined;
        });
        if (opened) {
          count('openModel:opened');
          await opened.scorer.dispose();
        }
        expect(secret.read()).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }), { numRuns: 500 });
  });
});
