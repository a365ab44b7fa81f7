/** The API with a real ModelLifecycle on a temp dir, for the models route tests; close() removes the dir. */
import { rmSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../gateway/api/app.ts';
import { ModelLifecycle, type ModelLifecycleOptions } from '../../gateway/models/lifecycle/index.ts';
import { DeviceRegistry } from '../../gateway/runtime/registry.ts';
import { keys } from '../models/lifecycle/bundles.ts';
import { TOKEN } from './fixtures.ts';

export async function modelsApp(root: string, storeDir: string, opts: Omit<ModelLifecycleOptions, 'dir' | 'publicKey'> = {}) {
  const k = await keys(root);
  const store = new ModelLifecycle({ dir: storeDir, publicKey: k.publicKey, ...opts });
  await store.open();
  const app: FastifyInstance = buildApp({ registry: new DeviceRegistry(), tokens: [TOKEN], models: store });
  const close = async () => {
    await app.close();
    await store.close();
    rmSync(root, { recursive: true, force: true });
  };
  return { app, store, k, close };
}
