import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLifecycle, ModelRefusedError, type AuditEvent } from '../../../gateway/models/lifecycle/index.ts';
import { INPUTS, bundle, keys, tempRoot } from './bundles.ts';

const root = tempRoot('telltale-store-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const rows = (n: number): Float32Array => Float32Array.from({ length: n * 3 }, (_, i) => 10 * ((i % 3) + 1) + (i % 7) * 0.1);

describe('ModelLifecycle', () => {
  let k: Awaited<ReturnType<typeof keys>>;
  let v1: string;
  let v2: string;
  const events: AuditEvent[] = [];
  let store: ModelLifecycle;

  beforeAll(async () => {
    k = await keys(root);
    v1 = await bundle(root, 'pump', { version: '1', privateKey: k.privateKey });
    v2 = await bundle(root, 'pump', { version: '2', privateKey: k.privateKey, seed: 9 });
    store = new ModelLifecycle({
      dir: join(root, 'data', 'models'), publicKey: k.publicKey, audit: [(e) => { events.push(e); }],
      expectInputs: () => ({ asset: 'pump1', inputs: INPUTS }),
    });
    await store.open();
  });
  afterAll(() => store.close());

  it('installs a signed bundle as a version and activates it', async () => {
    const id = await store.install(v1);
    expect(id).toBe('pump-v1');
    await store.activate(id);
    expect(store.active.current?.id).toBe('pump-v1');
    const scored = await store.active.run(rows(4), 4);
    expect(scored.modelId).toBe('pump-v1');
    expect(scored.score).toHaveLength(4);
    expect(events.map((e) => e.action)).toEqual(['installed', 'activated']);
    expect((await store.list()).map((v) => [v.id, v.active])).toEqual([['pump-v1', true]]);
  });

  it('refuses an unsigned bundle, emits a refused event and keeps the active model', async () => {
    const err = await store.install(await bundle(root, 'plain', { version: '5' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelRefusedError);
    expect((err as ModelRefusedError).reason).toBe('unsigned');
    expect(events.at(-1)).toMatchObject({ action: 'refused', reason: 'unsigned' });
    expect(store.active.current?.id).toBe('pump-v1');
    expect((await store.list()).map((v) => v.id)).toEqual(['pump-v1']);
  });

  it('refuses a model whose inputs are not the asset features', async () => {
    const other = await bundle(root, 'other', { privateKey: k.privateKey, names: ['a', 'b', 'c'] });
    await expect(store.install(other)).rejects.toMatchObject({ reason: 'inputs-mismatch' });
    expect(store.active.current?.id).toBe('pump-v1');
  });

  it('refuses another bundle under an installed version id', async () => {
    const clash = await bundle(root, 'pump', { version: '1', privateKey: k.privateKey, seed: 3 });
    await expect(store.install(clash)).rejects.toMatchObject({ reason: 'version-exists' });
    expect(await store.install(v1)).toBe('pump-v1'); // the same bundle again is a no-op
  });

  it('swaps models while batches are in flight: each batch scored exactly once, by one model', async () => {
    await store.install(v2);
    const batches = Array.from({ length: 40 }, (_, i) => store.active.run(rows(8), 8).then((r) => ({ i, id: r.modelId, n: r.score.length })));
    await store.activate('pump-v2');
    const after = Array.from({ length: 10 }, (_, i) => store.active.run(rows(8), 8).then((r) => ({ i: 40 + i, id: r.modelId, n: r.score.length })));
    const done = await Promise.all([...batches, ...after]);
    expect(done).toHaveLength(50);
    expect(done.every((d) => d.n === 8)).toBe(true);
    expect(done.filter((d) => d.i < 40).every((d) => d.id === 'pump-v1')).toBe(true);
    expect(done.filter((d) => d.i >= 40).every((d) => d.id === 'pump-v2')).toBe(true);
  });

  it('rolls back to the previous version and persists it', async () => {
    expect(await store.rollback()).toBe('pump-v1');
    expect(store.active.current?.id).toBe('pump-v1');
    expect(events.at(-1)).toMatchObject({ action: 'rolled-back', modelId: 'pump-v1', previousId: 'pump-v2' });
    expect(JSON.parse(readFileSync(join(root, 'data', 'models', 'state.json'), 'utf8'))).toEqual({ active: 'pump-v1', history: [] });
    await expect(store.rollback()).rejects.toMatchObject({ code: 'no-previous' });
  });

  it('refuses to activate a stored version tampered with on disk and keeps the current one', async () => {
    const v3 = await bundle(root, 'pump', { version: '3', privateKey: k.privateKey, seed: 4 });
    await store.install(v3);
    const onnx = join(root, 'data', 'models', 'versions', 'pump-v3', 'pump.onnx');
    const bytes = readFileSync(onnx);
    bytes[bytes.length - 3] ^= 0x55;
    writeFileSync(onnx, bytes);
    await expect(store.activate('pump-v3')).rejects.toMatchObject({ reason: 'hash-mismatch' });
    expect(store.active.current?.id).toBe('pump-v1');
    await expect(store.activate('nope')).rejects.toMatchObject({ code: 'unknown-version' });
  });

  it('shadows a candidate, reports agreement and promotes it', async () => {
    await store.activate('pump-v2', { shadow: { rows: 16, minAgreement: 0.5 } });
    expect(store.active.current?.id).toBe('pump-v1');
    expect(store.active.shadowSlot?.id).toBe('pump-v2');
    for (let i = 0; i < 2; i++) expect((await store.active.run(rows(8), 8)).modelId).toBe('pump-v1');
    await store.idle(); // the promotion the 16th row triggered
    expect(store.active.current?.id).toBe('pump-v2');
    const report = events.find((e) => e.action === 'shadow-report');
    expect(report).toMatchObject({ modelId: 'pump-v2', rows: 16 });
    expect(report!.agreement).toBeGreaterThanOrEqual(0);
    expect(events.some((e) => e.action === 'promoted' && e.modelId === 'pump-v2')).toBe(true);
  });

  it('re-activates the persisted version when the store reopens', async () => {
    const again = new ModelLifecycle({ dir: join(root, 'data', 'models'), publicKey: k.publicKey });
    await again.open();
    expect(again.active.current?.id).toBe(store.active.current?.id);
    await again.close();
    expect(existsSync(join(root, 'data', 'models', 'versions', 'pump-v2'))).toBe(true);
  });
});
