import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import bcrypt from 'bcryptjs';
import { EditorLoginError, LOGIN_FILE, describeLogin, editorLogin, hashPassword } from '../../gateway/host/security.ts';

describe('editorLogin', () => {
  const root = mkdtempSync(join(tmpdir(), 'telltale-login-'));
  let n = 0;
  const fresh = () => join(root, String(n++));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('generates a password on the first start, keeps only its bcrypt hash (0600) and reuses it afterwards', () => {
    const dataDir = fresh();
    const first = editorLogin({ dataDir, env: {} });
    expect(first.source).toBe('generated');
    expect(first.user).toBe('admin');
    expect(bcrypt.compareSync(first.generatedPassword!, first.passwordHash)).toBe(true);
    const file = join(dataDir, LOGIN_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain(first.generatedPassword!);
    expect(describeLogin(first, dataDir)).toContain(`admin / ${first.generatedPassword}`);

    const again = editorLogin({ dataDir, env: {} });
    expect(again).toMatchObject({ source: 'data-dir', passwordHash: first.passwordHash });
    expect(again.generatedPassword).toBeUndefined();
    expect(describeLogin(again, dataDir)).not.toContain(first.generatedPassword!);
  });

  it('hashes TELLTALE_EDITOR_PASSWORD at start and takes TELLTALE_EDITOR_USER', () => {
    const l = editorLogin({ dataDir: fresh(), env: { TELLTALE_EDITOR_USER: 'ops', TELLTALE_EDITOR_PASSWORD: 'pump-station' } });
    expect(l.source).toBe('env-password');
    expect(l.adminAuth.users).toEqual([{ username: 'ops', password: l.passwordHash, permissions: '*' }]);
    expect(bcrypt.compareSync('pump-station', l.passwordHash)).toBe(true);
  });

  it('prefers a hash from the environment over the config, and the config over the data dir', () => {
    const envHash = hashPassword('a');
    const cfgHash = hashPassword('b');
    expect(editorLogin({ dataDir: fresh(), env: { TELLTALE_EDITOR_PASSWORD_HASH: envHash }, passwordHash: cfgHash })).toMatchObject({ source: 'env-hash', passwordHash: envHash });
    expect(editorLogin({ dataDir: fresh(), env: {}, username: 'eng', passwordHash: cfgHash })).toMatchObject({ source: 'config', user: 'eng', passwordHash: cfgHash });
  });

  it('names the variable or file when a hash is not bcrypt, and a broken login file', () => {
    expect(() => editorLogin({ dataDir: fresh(), env: { TELLTALE_EDITOR_PASSWORD_HASH: 'secret' } }))
      .toThrow(/^TELLTALE_EDITOR_PASSWORD_HASH: expected a bcrypt hash/);
    const dataDir = fresh();
    editorLogin({ dataDir, env: {} });
    writeFileSync(join(dataDir, LOGIN_FILE), '{ nope');
    expect(() => editorLogin({ dataDir, env: {} })).toThrow(EditorLoginError);
    expect(() => editorLogin({ dataDir, env: {} })).toThrow(`${join(dataDir, LOGIN_FILE)}: not valid JSON`);
  });
});
