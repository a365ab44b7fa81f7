/**
 * Ed25519 signing of model bundles. The signature covers the manifest (which holds the sha256 and size of every
 * file), so one signature vouches for the .onnx bytes too: verify checks the signature AND re-hashes the files.
 * The signed bytes are the manifest with `signature: null`, keys sorted, no whitespace (stable across editors).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadBundle, readModelBundle, type BundleSource, type LoadedBundle, type ModelBundle, type ModelManifest } from '../manifest.ts';
import { ModelRefusedError } from '../refusal.ts';

const PREFIX = 'ed25519:';

export { ModelRefusedError, type RefusalReason } from '../refusal.ts';

/** Sorted-key JSON (hand-written: 6 lines, no kept library needed for a canonical form of plain JSON data). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj).sort().filter((k) => obj[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The exact bytes a signature covers. */
export function signedBytes(manifest: ModelManifest): Buffer {
  return Buffer.from(canonical({ ...manifest, signature: null }), 'utf8');
}

export interface KeyPairFiles {
  privateKeyPath: string;
  publicKeyPath: string;
}

/** Writes `telltale-model.key` (PKCS#8 PEM, mode 0600) and `telltale-model.pub` (SPKI PEM) into dir. */
export async function generateSigningKeys(dir: string): Promise<KeyPairFiles> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await mkdir(dir, { recursive: true });
  const privateKeyPath = join(dir, 'telltale-model.key');
  const publicKeyPath = join(dir, 'telltale-model.pub');
  // flag wx: never overwrite a key someone already signs with.
  await writeFile(privateKeyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  await writeFile(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }), { flag: 'wx' });
  return { privateKeyPath, publicKeyPath };
}

async function loadKey(path: string, kind: 'private' | 'public'): Promise<KeyObject> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`${kind} key ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseKey(pem, kind, path);
}

/** A PEM text to a key object; refuses keys that are not Ed25519. */
export function parseKey(pem: string, kind: 'private' | 'public', where = 'key'): KeyObject {
  let key: KeyObject;
  try {
    key = kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
  } catch (err) {
    throw new Error(`${kind} key ${where}: not a PEM ${kind} key (${(err as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${kind} key ${where}: is ${key.asymmetricKeyType}, expected ed25519`);
  return key;
}

export const loadPrivateKey = (path: string): Promise<KeyObject> => loadKey(path, 'private');
export const loadPublicKey = (path: string): Promise<KeyObject> => loadKey(path, 'public');

/** Signs the bundle in place: checks its hashes first (never sign a corrupted bundle), then rewrites the manifest. */
export async function signBundle(dirOrManifest: string, privateKey: KeyObject): Promise<ModelBundle> {
  const bundle = await readModelBundle(dirOrManifest);
  const signature = PREFIX + sign(null, signedBytes(bundle.manifest), privateKey).toString('base64');
  const manifest = { ...bundle.manifest, signature };
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(bundle.manifestPath, manifestBytes);
  return { ...bundle, manifest, manifestBytes };
}

/** What the gateway expects of a model for an asset: the input names in column order. */
export interface InputExpectation {
  asset: string;
  inputs: readonly string[];
  /** Who needs these inputs, for the message (default: the asset). */
  by?: string;
}

/**
 * Refuses a manifest that this key did not sign: no key, unsigned, malformed or not verifying. Runs on the manifest
 * alone, before any other file of the bundle is opened (loadBundle's `trust`).
 */
export function checkSignature(m: ModelManifest, publicKey: KeyObject | undefined): void {
  const where = `model ${m.name} v${m.version}`;
  if (!publicKey) throw new ModelRefusedError('no-public-key', `${where}: no public key is configured to verify model signatures`);
  if (m.signature === null) throw new ModelRefusedError('unsigned', `${where}: the manifest is unsigned (signature: null); sign it with 'telltale models sign'`);
  if (!m.signature.startsWith(PREFIX)) throw new ModelRefusedError('bad-signature', `${where}: signature is not of the form '${PREFIX}<base64>'`);
  const sig = Buffer.from(m.signature.slice(PREFIX.length), 'base64');
  if (sig.length !== 64 || !verify(null, signedBytes(m), publicKey, sig)) {
    throw new ModelRefusedError('bad-signature', `${where}: the signature does not verify against the configured public key (the manifest was changed after signing, or signed with another key)`);
  }
}

/** Reads and checks a bundle directory: manifest, signature (before any other file is opened), hashes, then inputs. Throws ModelRefusedError. */
export async function verifyBundle(dirOrManifest: string, publicKey: KeyObject | undefined, expect?: InputExpectation): Promise<ModelBundle> {
  const bundle = await readModelBundle(dirOrManifest, { trust: (m) => checkSignature(m, publicKey) });
  if (expect) checkInputs(bundle.manifest, expect);
  return bundle;
}

/** verifyBundle for any source (an upload held in memory). */
export async function verifySource(source: BundleSource, publicKey: KeyObject | undefined, expect?: InputExpectation): Promise<LoadedBundle> {
  const bundle = await loadBundle(source, { trust: (m) => checkSignature(m, publicKey) });
  if (expect) checkInputs(bundle.manifest, expect);
  return bundle;
}

export function checkInputs(m: ModelManifest, expect: InputExpectation): void {
  const want = expect.inputs;
  const got = m.inputs.names;
  if (want.length === got.length && want.every((n, i) => n === got[i])) return;
  const missing = want.filter((n) => !got.includes(n));
  const extra = got.filter((n) => !want.includes(n));
  const detail = missing.length || extra.length
    ? `${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `unknown ${extra.join(', ')}` : ''}`
    : `same names in another order (model: ${got.join(', ')})`;
  throw new ModelRefusedError('inputs-mismatch', `model ${m.name} v${m.version}: its inputs do not match the features ${expect.by ?? `of asset "${expect.asset}"`}: ${detail}`);
}
