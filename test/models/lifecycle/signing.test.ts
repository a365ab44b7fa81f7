import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSigningKeys, signBundle, verifyBundle } from '../../../gateway/models/lifecycle/signing.ts';
import { INPUTS, bundle, keys, tempRoot } from './bundles.ts';
import { refusal } from './hostile.ts';

const root = tempRoot('telltale-signing-');
afterAll(() => rmSync(root, { recursive: true, force: true }));


describe('model signing', () => {
  it('signs a bundle so that it verifies with the public key and matches the asset inputs', async () => {
    const k = await keys(root);
    const dir = await bundle(root, 'pump', { privateKey: k.privateKey });
    const verified = await verifyBundle(dir, k.publicKey, { asset: 'pump1', inputs: INPUTS });
    expect(verified.manifest.signature).toMatch(/^ed25519:[A-Za-z0-9+/]+=*$/);
  });

  it('writes a private key readable only by its owner and never overwrites one', async () => {
    const dir = join(root, 'k2');
    const files = await generateSigningKeys(dir);
    const { statSync } = await import('node:fs');
    expect(statSync(files.privateKeyPath).mode & 0o777).toBe(0o600);
    await expect(generateSigningKeys(dir)).rejects.toThrow(/EEXIST/);
  });

  it('refuses an unsigned bundle', async () => {
    const k = await keys(join(root, 'u'));
    const err = await refusal(verifyBundle(await bundle(root, 'unsigned'), k.publicKey));
    expect(err.reason).toBe('unsigned');
    expect(err.message).toMatch(/model unsigned v1: the manifest is unsigned/);
  });

  it('refuses a bundle signed with another key', async () => {
    const mine = await keys(join(root, 'a'));
    const theirs = await keys(join(root, 'b'));
    const err = await refusal(verifyBundle(await bundle(root, 'other', { privateKey: theirs.privateKey }), mine.publicKey));
    expect(err.reason).toBe('bad-signature');
  });

  it('refuses a manifest edited after signing (threshold raised)', async () => {
    const k = await keys(join(root, 'c'));
    const dir = await bundle(root, 'edited', { privateKey: k.privateKey });
    const path = join(dir, 'edited.manifest.json');
    const m = JSON.parse(readFileSync(path, 'utf8'));
    m.threshold.value = 99;
    writeFileSync(path, JSON.stringify(m));
    expect((await refusal(verifyBundle(dir, k.publicKey))).reason).toBe('bad-signature');
  });

  it('refuses a signed bundle whose .onnx file was tampered with, naming the file', async () => {
    const k = await keys(join(root, 'd'));
    const dir = await bundle(root, 'tampered', { privateKey: k.privateKey });
    const onnx = join(dir, 'tampered.onnx');
    const bytes = readFileSync(onnx);
    bytes[bytes.length - 5] ^= 0xff;
    writeFileSync(onnx, bytes);
    const err = await refusal(verifyBundle(dir, k.publicKey));
    expect(err.reason).toBe('hash-mismatch');
    expect(err.message).toBe(`"tampered.manifest.json": files.float: "tampered.onnx" does not match the manifest's sha256 (the file was changed or corrupted)`);
  });

  it('refuses a model whose inputs are not the asset features, naming what differs', async () => {
    const k = await keys(join(root, 'e'));
    const dir = await bundle(root, 'wrong', { privateKey: k.privateKey });
    const err = await refusal(verifyBundle(dir, k.publicKey, { asset: 'pump1', inputs: ['pump1.vibration', 'pump1.current', 'pump1.flow'] }));
    expect(err.reason).toBe('inputs-mismatch');
    expect(err.message).toBe('model wrong v1: its inputs do not match the features of asset "pump1": missing pump1.flow; unknown pump1.pressure');
  });

  it('refuses when no public key is configured', async () => {
    const k = await keys(join(root, 'f'));
    const dir = await bundle(root, 'nokey', { privateKey: k.privateKey });
    expect((await refusal(verifyBundle(dir, undefined))).reason).toBe('no-public-key');
  });

  it('refuses to sign a corrupted bundle', async () => {
    const k = await keys(join(root, 'g'));
    const dir = await bundle(root, 'corrupt');
    writeFileSync(join(dir, 'corrupt.int8.onnx'), 'x');
    expect((await refusal(signBundle(dir, k.privateKey))).reason).toBe('hash-mismatch');
  });
});
