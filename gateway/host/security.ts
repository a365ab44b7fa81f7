/**
 * Editor login by default: Node-RED's adminAuth with one bcrypt-hashed user, so no install has an open editor.
 * Where the login comes from, first match wins:
 *   1. TELLTALE_EDITOR_PASSWORD_HASH (a bcrypt hash) — the password never reaches this machine in clear;
 *   2. TELLTALE_EDITOR_PASSWORD — hashed at start, the clear text is not kept;
 *   3. the config (editor.username / editor.passwordHash);
 *   4. <dataDir>/editor-login.json (0600), written on the first start with a random password printed once.
 * The user name is TELLTALE_EDITOR_USER, else the config's, else "admin".
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';

export const LOGIN_FILE = 'editor-login.json';
/** bcrypt cost: ~0.1 s a login on a small ARM box is fine for an editor, slow for a guesser. */
const COST = 10;
const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

export type LoginSource = 'env-hash' | 'env-password' | 'config' | 'data-dir' | 'generated';

export interface EditorLogin {
  user: string;
  passwordHash: string;
  source: LoginSource;
  /** Only when this start generated the password: show it once, it is stored nowhere in clear. */
  generatedPassword?: string;
  /** Node-RED settings.adminAuth */
  adminAuth: { type: 'credentials'; users: { username: string; password: string; permissions: '*' }[] };
}

export interface EditorLoginOptions {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** From the config file's editor section. */
  username?: string;
  passwordHash?: string;
}

export class EditorLoginError extends Error {
  override name = 'EditorLoginError';
}

function checkHash(hash: string, where: string): string {
  if (!BCRYPT_HASH.test(hash)) {
    throw new EditorLoginError(`${where}: expected a bcrypt hash ($2b$10$ followed by 53 characters), got ${hash.length} characters starting "${hash.slice(0, 4)}" (or set TELLTALE_EDITOR_PASSWORD, which is hashed at start)`);
  }
  return hash;
}

const login = (user: string, passwordHash: string, source: LoginSource, generatedPassword?: string): EditorLogin => ({
  user, passwordHash, source, ...(generatedPassword === undefined ? {} : { generatedPassword }),
  adminAuth: { type: 'credentials', users: [{ username: user, password: passwordHash, permissions: '*' }] },
});

export function editorLogin(opts: EditorLoginOptions): EditorLogin {
  const env = opts.env ?? process.env;
  const user = env.TELLTALE_EDITOR_USER || opts.username || 'admin';
  if (env.TELLTALE_EDITOR_PASSWORD_HASH) return login(user, checkHash(env.TELLTALE_EDITOR_PASSWORD_HASH, 'TELLTALE_EDITOR_PASSWORD_HASH'), 'env-hash');
  if (env.TELLTALE_EDITOR_PASSWORD) return login(user, bcrypt.hashSync(env.TELLTALE_EDITOR_PASSWORD, COST), 'env-password');
  if (opts.passwordHash) return login(user, checkHash(opts.passwordHash, 'editor.passwordHash'), 'config');

  const file = join(opts.dataDir, LOGIN_FILE);
  if (existsSync(file)) {
    let stored: { user?: unknown; passwordHash?: unknown };
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as typeof stored;
    } catch (e) {
      throw new EditorLoginError(`${file}: not valid JSON (${(e as Error).message}); delete it to generate a new editor password`);
    }
    if (typeof stored.passwordHash !== 'string') throw new EditorLoginError(`${file}: passwordHash: expected a bcrypt hash string; delete the file to generate a new editor password`);
    const storedUser = typeof stored.user === 'string' && stored.user ? stored.user : 'admin';
    return login(env.TELLTALE_EDITOR_USER || opts.username || storedUser, checkHash(stored.passwordHash, `${file}: passwordHash`), 'data-dir');
  }
  const password = randomBytes(12).toString('base64url');
  const passwordHash = bcrypt.hashSync(password, COST);
  mkdirSync(opts.dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify({ user, passwordHash }, null, 2)}\n`, { mode: 0o600 });
  return login(user, passwordHash, 'generated', password);
}

/** The line a host prints about the login (the generated password only on the start that made it). */
export function describeLogin(l: EditorLogin, dataDir: string): string {
  if (l.generatedPassword !== undefined) {
    return `Editor login: ${l.user} / ${l.generatedPassword}  (generated now and shown once; its hash is in ${join(dataDir, LOGIN_FILE)}; set TELLTALE_EDITOR_PASSWORD to choose your own)`;
  }
  const from: Record<LoginSource, string> = {
    generated: join(dataDir, LOGIN_FILE), 'env-hash': 'TELLTALE_EDITOR_PASSWORD_HASH', 'env-password': 'TELLTALE_EDITOR_PASSWORD', config: 'the config (editor.passwordHash)', 'data-dir': join(dataDir, LOGIN_FILE),
  };
  return `Editor login: ${l.user} (password from ${from[l.source]})`;
}

/** For tests and for making a hash to put in the environment or the config. */
export const hashPassword = (password: string): string => bcrypt.hashSync(password, COST);

/**
 * Logs in to the editor's admin API as the editor's login form does (Node-RED's /auth/token); the token goes in
 * `Authorization: Bearer …` for the admin API and in `{ auth: token }` on the comms websocket.
 */
export async function editorToken(editorUrl: string, username: string, password: string): Promise<string> {
  const res = await fetch(new URL('auth/token', editorUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'node-red-editor', grant_type: 'password', scope: '*', username, password }),
  });
  if (res.status !== 200) throw new EditorLoginError(`editor login at ${editorUrl} as "${username}" failed: HTTP ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
