/** `telltale models keygen|sign|verify`: Ed25519 keys for model bundles, signing, and the gateway's acceptance check. */
import { resolve } from 'node:path';
import type { Command } from 'commander';

/** Exit code of `verify` (and `sign`) when a bundle is refused: a verdict, not a crash. */
export const EXIT_REFUSED = 3;

async function refusalToExit(run: () => Promise<void>): Promise<void> {
  const { ModelRefusedError } = await import('../../models/lifecycle/signing.ts');
  try {
    await run();
  } catch (err) {
    if (!(err instanceof ModelRefusedError)) throw err;
    process.stderr.write(`refused (${err.reason}): ${err.message}\n`);
    process.exitCode = EXIT_REFUSED;
  }
}

/** A key file that cannot be read or is not Ed25519 is a usage error: one line, exit 2. */
async function key<T>(load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 2;
    return undefined;
  }
}

export function register(program: Command): void {
  const models = program.command('models').description('model bundles: signing keys, signing and verification');

  models
    .command('keygen')
    .description('generate an Ed25519 key pair: telltale-model.key (private, 0600) and telltale-model.pub')
    .requiredOption('--out <dir>', 'directory for the two PEM files (existing keys are never overwritten)')
    .action(async (opts: { out: string }) => {
      const { generateSigningKeys } = await import('../../models/lifecycle/signing.ts');
      try {
        const files = await generateSigningKeys(resolve(opts.out));
        process.stdout.write(`private key ${files.privateKeyPath} (keep it off the gateways)\npublic key  ${files.publicKeyPath} (configure it on the gateways)\n`);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        process.stderr.write(code === 'EEXIST' ? `${opts.out}: a key pair already exists there; choose another --out\n` : `${(err as Error).message}\n`);
        process.exitCode = 2;
      }
    });

  models
    .command('sign')
    .description('sign a model bundle (its manifest, which holds the sha256 of every file) with a private key')
    .argument('<bundle>', 'bundle directory or *.manifest.json')
    .requiredOption('--key <file>', 'Ed25519 private key (PEM), from `telltale models keygen`')
    .action(async (bundle: string, opts: { key: string }) => {
      const { loadPrivateKey, signBundle } = await import('../../models/lifecycle/signing.ts');
      const privateKey = await key(() => loadPrivateKey(resolve(opts.key)));
      if (!privateKey) return;
      await refusalToExit(async () => {
        const signed = await signBundle(resolve(bundle), privateKey);
        process.stdout.write(`signed ${signed.manifest.name} v${signed.manifest.version}: ${signed.manifestPath}\n`);
      });
    });

  models
    .command('verify')
    .description('check a bundle as the gateway does: signature, file hashes and (with --inputs) the asset features')
    .argument('<bundle>', 'bundle directory or *.manifest.json')
    .requiredOption('--pub <file>', 'Ed25519 public key (PEM)')
    .option('--inputs <a,b,…>', 'the asset features the model must take, in order')
    .option('--asset <id>', 'asset named in the message', 'asset')
    .action(async (bundle: string, opts: { pub: string; inputs?: string; asset: string }) => {
      const { loadPublicKey, verifyBundle } = await import('../../models/lifecycle/signing.ts');
      const publicKey = await key(() => loadPublicKey(resolve(opts.pub)));
      if (!publicKey) return;
      const inputs = opts.inputs?.split(',').map((s) => s.trim()).filter(Boolean);
      await refusalToExit(async () => {
        const b = await verifyBundle(resolve(bundle), publicKey, inputs ? { asset: opts.asset, inputs } : undefined);
        const m = b.manifest;
        process.stdout.write(`ok: ${m.name} v${m.version} (${m.family}, ${m.inputs.count} inputs: ${m.inputs.names.join(', ')}) signature and sha256 of ${Object.keys(m.files).length} files verified\n`);
      });
    });
}
