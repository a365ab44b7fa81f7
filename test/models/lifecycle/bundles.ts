/** Small signed/unsigned PCA bundles and a key pair for the lifecycle and API tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitPca, writeModelBundle } from '../../../gateway/models/index.ts';
import { generateSigningKeys, loadPrivateKey, loadPublicKey, signBundle } from '../../../gateway/models/lifecycle/signing.ts';
import { plantData } from '../synthetic.ts';

export const INPUTS = ['pump1.vibration', 'pump1.current', 'pump1.pressure'];

export async function keys(root: string) {
  const files = await generateSigningKeys(join(root, 'keys'));
  return { ...files, privateKey: await loadPrivateKey(files.privateKeyPath), publicKey: await loadPublicKey(files.publicKeyPath) };
}

/** Writes a PCA bundle `name` under root; signed with privateKey when given. Returns its directory. */
export async function bundle(root: string, name: string, opts: { version?: string; privateKey?: Parameters<typeof signBundle>[1]; names?: string[]; seed?: number } = {}): Promise<string> {
  const names = opts.names ?? INPUTS;
  const data = plantData(400, names.length, { seed: opts.seed ?? 7 });
  const dir = mkdtempSync(join(root, `${name}-`));
  await writeModelBundle(dir, name, fitPca(data.X, data.nRows, data.nCols), {
    version: opts.version ?? '1',
    inputs: { names },
    threshold: { value: 1.5, method: 'quantile 0.99' },
    training: { rows: data.nRows, source: 'synthetic' },
  });
  if (opts.privateKey) await signBundle(dir, opts.privateKey);
  return dir;
}

export const tempRoot = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix));
