import { cpSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DropWatcher, ModelLifecycle, type AuditEvent } from '../../../gateway/models/lifecycle/index.ts';
import { waitFor } from '../../support/process.ts';
import { bundle, keys, tempRoot } from './bundles.ts';

const root = tempRoot('telltale-drop-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('DropWatcher', () => {
  it('installs and activates a bundle moved into the drop directory, and sets a refused one aside with its reason', async () => {
    const k = await keys(root);
    const events: AuditEvent[] = [];
    const store = new ModelLifecycle({ dir: join(root, 'models'), publicKey: k.publicKey, audit: [(e) => { events.push(e); }] });
    await store.open();
    const drop = join(root, 'drop');
    const results: string[] = [];
    const watcher = new DropWatcher({ dir: drop, lifecycle: store, debounceMs: 50, onResult: (entry, r) => results.push(`${entry}:${'id' in r ? r.id : r.error.message}`) });
    await watcher.start();
    try {
      // Copy beside the drop dir under a dot name, then rename in: the watcher never sees a half-copied bundle.
      const good = await bundle(root, 'fan', { privateKey: k.privateKey });
      cpSync(good, join(drop, '.fan'), { recursive: true });
      renameSync(join(drop, '.fan'), join(drop, 'fan'));
      await waitFor(() => store.active.current?.id === 'fan-v1', 20_000, 'the dropped bundle to be active');
      await waitFor(() => !existsSync(join(drop, 'fan')), 20_000, 'the accepted bundle to leave the drop dir');

      const plain = await bundle(root, 'plain');
      cpSync(plain, join(drop, '.plain'), { recursive: true });
      renameSync(join(drop, '.plain'), join(drop, 'plain'));
      const reason = join(drop, 'refused', 'plain.reason.txt');
      await waitFor(() => existsSync(reason), 20_000, 'the refusal reason file');
      expect(readFileSync(reason, 'utf8')).toMatch(/the manifest is unsigned/);
      expect(store.active.current?.id).toBe('fan-v1');
      expect(events.map((e) => e.action)).toEqual(['installed', 'activated', 'refused']);
      expect(results[0]).toBe('fan:fan-v1');
    } finally {
      await watcher.stop();
      await store.close();
    }
  });
});
