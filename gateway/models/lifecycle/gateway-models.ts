/**
 * What the Gateway runs for models: a ModelLifecycle under `<dataDir>/models` and a DropWatcher on
 * `<dataDir>/models/drop`, when a signing public key is configured (TELLTALE_MODEL_PUBLIC_KEY, a PEM file).
 * Without a key there is no store: the API says so (TELLTALE_ERR_MODELS_DISABLED) and /readyz does not wait for a model.
 */
import { join } from 'node:path';
import type { ModelLifecycle, ShadowPolicy } from './store.ts';
import type { AuditSink } from './audit.ts';

export interface GatewayModelsOptions {
  dataDir: string;
  /** PEM file of the Ed25519 public key; default env TELLTALE_MODEL_PUBLIC_KEY. */
  publicKeyPath?: string;
  audit?: AuditSink[];
  shadow?: ShadowPolicy;
  /** Watch the drop directory (default true). */
  watchDrop?: boolean;
  onError?: (err: Error) => void;
  /** Every audit event as one line (default: stdout), besides the sinks; hosts add TsdbWriter/CloudUplink sinks with lifecycle.addAuditSink(). */
  log?: (line: string) => void;
}

export interface GatewayModels {
  lifecycle: ModelLifecycle;
  dropDir: string;
  close(): Promise<void>;
}

export async function openGatewayModels(opts: GatewayModelsOptions, env: NodeJS.ProcessEnv = process.env): Promise<GatewayModels | undefined> {
  const keyPath = opts.publicKeyPath ?? env.TELLTALE_MODEL_PUBLIC_KEY;
  if (!keyPath) return undefined;
  // Loaded only when configured: the store pulls in onnxruntime, which a gateway without models does not need.
  const [{ ModelLifecycle }, { loadPublicKey }, { DropWatcher }] = await Promise.all([import('./store.ts'), import('./signing.ts'), import('./watch.ts')]);
  const publicKey = await loadPublicKey(keyPath);
  const dir = join(opts.dataDir, 'models');
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const audit = [...(opts.audit ?? []), (e: { message: string }) => log(`model ${e.message}`)];
  const lifecycle = new ModelLifecycle({ dir, publicKey, audit, shadow: opts.shadow, onError: opts.onError });
  await lifecycle.open();
  const dropDir = join(dir, 'drop');
  const watcher = opts.watchDrop === false ? undefined : new DropWatcher({ dir: dropDir, lifecycle });
  await watcher?.start();
  return {
    lifecycle,
    dropDir,
    close: async () => {
      await watcher?.stop();
      await lifecycle.close();
    },
  };
}
