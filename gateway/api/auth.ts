/**
 * Bearer-token auth for every route but /healthz and /readyz. Tokens come from TELLTALE_API_TOKENS (comma
 * separated) or the file named by TELLTALE_API_TOKENS_FILE (one per line, # comments). With no token configured
 * every protected route answers 401: a default install is closed, not open.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';

export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

/** Reads the tokens from the environment; a named file that cannot be read is an error naming it. */
export function loadApiTokens(env: NodeJS.ProcessEnv = process.env): string[] {
  const tokens = (env.TELLTALE_API_TOKENS ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  const file = env.TELLTALE_API_TOKENS_FILE;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`TELLTALE_API_TOKENS_FILE ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    tokens.push(...text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
  }
  return tokens;
}

/** Digests have one length, so timingSafeEqual compares every candidate in constant time whatever its length. */
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function tokenMatcher(tokens: readonly string[]): (presented: string) => boolean {
  const known = tokens.map(digest);
  return (presented) => {
    const d = digest(presented);
    let ok = false;
    for (const k of known) ok = timingSafeEqual(d, k) || ok; // no early exit: time does not tell which token
    return ok;
  };
}

export function installAuth(app: FastifyInstance, tokens: readonly string[]): void {
  const matches = tokenMatcher(tokens);
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const route = req.routeOptions.url;
    // An unknown route answers 404 whoever asks: it reveals nothing a token protects.
    if (route === undefined || PUBLIC_ROUTES.has(route)) return;
    const header = req.headers.authorization;
    if (!header) throw new ApiError('TELLTALE_ERR_UNAUTHORIZED', 'missing Authorization: Bearer <token> header');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new ApiError('TELLTALE_ERR_UNAUTHORIZED', 'Authorization header must be "Bearer <token>"');
    if (tokens.length === 0) throw new ApiError('TELLTALE_ERR_UNAUTHORIZED', 'no API tokens are configured on this gateway (TELLTALE_API_TOKENS or TELLTALE_API_TOKENS_FILE)');
    if (!matches(m[1])) throw new ApiError('TELLTALE_ERR_UNAUTHORIZED', 'unknown API token');
  });
}
