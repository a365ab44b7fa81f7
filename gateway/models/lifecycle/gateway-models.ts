/**
 * What the Gateway runs for models: a ModelLifecycle under `<dataDir>/models` and a DropWatcher on
 * `<dataDir>/models/drop`, when a signing public key is configured (TELLTALE_MODEL_PUBLIC_KEY, a PEM file).
 * Without a key there is no store: the API says so (TELLTALE_ERR_MODELS_DISABLED) and /readyz does not wait for a model.
 */
import { join } from 'node:path';
import type { ModelLifecycle, ShadowPolicy } from './store.ts';
import type { AuditSink } from './audit.ts';
import type { InputExpectation } from './signing.ts';

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
  /**
   * A flow that scores through the store says which inputs it feeds (its asset and feature names): from then on a
   * bundle with other inputs is refused (`inputs-mismatch`) at upload and activation, and the current model stays.
   * Returns the function that withdraws the claim (on redeploy/close).
   */
  requireInputs(consumer: string, expectation: InputExpectation): () => void;
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
  const claims = new Map<string, InputExpectation>();
  // Every consumer was deployed against the same active model, so the first claim speaks for all of them.
  const expectInputs = () => claims.values().next().value;
  const lifecycle = new ModelLifecycle({ dir, publicKey, audit, expectInputs, shadow: opts.shadow, onError: opts.onError });
  await lifecycle.open();
  const dropDir = join(dir, 'drop');
  const watcher = opts.watchDrop === false ? undefined : new DropWatcher({ dir: dropDir, lifecycle, ...(opts.onError ? { onError: opts.onError } : {}) });
  await watcher?.start();
  return {
    lifecycle,
    dropDir,
    requireInputs: (consumer, expectation) => {
      const claim = { asset: expectation.asset, inputs: [...expectation.inputs] };
      claims.set(consumer, claim);
      return () => {
        if (claims.get(consumer) === claim) claims.delete(consumer);
      };
    },
    close: async () => {
      await watcher?.stop();
      await lifecycle.close();
    },
  };
}
