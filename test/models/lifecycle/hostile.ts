/**
 * Hostile bundles for the attack and fuzz tests: a good bundle's files with a mutated manifest, signed again with
 * the operator's key when the test wants the reader to get past the signature (a signed manifest is the worst
 * case: only then may the gateway open the files it names). Plus a canary file whose atime tells whether
 * anything read it, and the strings a refusal must never contain.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ModelRefusedError, signedBytes } from '../../../gateway/models/lifecycle/signing.ts';
import type { ModelManifest } from '../../../gateway/models/manifest.ts';

export type Manifest = ModelManifest & Record<string, unknown>;

export const readManifest = (dir: string, name: string): Manifest => JSON.parse(readFileSync(join(dir, `${name}.manifest.json`), 'utf8')) as Manifest;

/** The manifest with a signature made by `key` over exactly what the gateway verifies (signature: null, sorted keys). */
export function signed(m: Manifest, key: KeyObject): Manifest {
  return { ...m, signature: `ed25519:${sign(null, signedBytes({ ...m, signature: null }), key).toString('base64')}` };
}

/** A copy of bundle `from` (manifest `<name>.manifest.json`) with the manifest replaced; returns the new directory. */
export function craft(root: string, from: string, name: string, manifest: Manifest | string): string {
  const dir = mkdtempSync(join(root, 'craft-'));
  cpSync(from, dir, { recursive: true });
  writeFileSync(join(dir, `${name}.manifest.json`), typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  return dir;
}

/** The bundle directory as the JSON body of POST /api/v1/models. */
export function uploadBody(dir: string, activate = false): { files: Record<string, string>; activate: boolean } {
  const files = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));
  return { files, activate };
}

export const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

/** A file with a secret in it; its atime is set before its mtime, so any read of it (relatime) moves the atime. */
export function canary(dir: string, name = 'canary.txt'): { path: string; secret: string; read: () => boolean } {
  const path = join(dir, name);
  const secret = `canary-${Math.random().toString(36).slice(2)}`;
  writeFileSync(path, secret);
  utimesSync(path, new Date('2001-01-01T00:00:00Z'), new Date());
  const atime = statSync(path).atimeMs;
  return { path, secret, read: () => statSync(path).atimeMs !== atime };
}

/** What a refusal must never say: host paths (the temp root, the data dir) and the sha256 or bytes of host files. */
export function leaks(text: string, secrets: readonly string[]): string[] {
  const host = ['/etc/passwd', '/etc/hostname', '/proc/self/environ'].flatMap((p) => {
    try {
      return [sha256(readFileSync(p))];
    } catch {
      return [];
    }
  });
  return [tmpdir(), ...secrets, ...host].filter((s) => s && text.includes(s));
}

/** The ModelRefusedError a promise rejects with (fails the test if it resolves or rejects with anything else). */
export async function refusal(p: Promise<unknown>): Promise<ModelRefusedError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ModelRefusedError);
  return err as ModelRefusedError;
}
