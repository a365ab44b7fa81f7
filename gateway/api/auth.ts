/**
 * Bearer-token auth for every route but /healthz and /readyz (which answer anyone, with their detail only for a valid
 * token). Tokens come from TELLTALE_API_TOKENS (comma
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

declare module 'fastify' {
  interface FastifyRequest {
    /** A valid bearer token came with the request (the open routes then show their detail). */
    apiAuthorized: boolean;
  }
}

/** The token of an `Authorization: Bearer <token>` header; null for another or malformed header, undefined for none. */
export function bearerToken(header: string | string[] | undefined): string | null | undefined {
  if (header === undefined) return undefined;
  const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m ? m[1] : null;
}

export function installAuth(app: FastifyInstance, tokens: readonly string[]): void {
  const matches = tokenMatcher(tokens);
  app.decorateRequest('apiAuthorized', false);
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const route = req.routeOptions.url;
    // An unknown route answers 404 whoever asks: it reveals nothing a token protects.
    if (route === undefined) return;
    const token = bearerToken(req.headers.authorization);
    // Open routes never refuse: a missing, malformed or unknown token just gets the view without detail.
    if (PUBLIC_ROUTES.has(route)) {
      req.apiAuthorized = typeof token === 'string' && tokens.length > 0 && matches(token);
      return;
    }
    if (token === undefined) throw new ApiError('TELLTALE_ERR_UNAUTHORIZED', 'missing Authorization: Bearer <token> header');
    if (token === null) throw new ApiError('TELLTALE_ERR_UNAUTHORIZED', 'Authorization header must be "Bearer <token>"');
    if (tokens.length === 0) throw new ApiError('TELLTALE_ERR_UNAUTHORIZED', 'no API tokens are configured on this gateway (TELLTALE_API_TOKENS or TELLTALE_API_TOKENS_FILE)');
    if (!matches(token)) throw new ApiError('TELLTALE_ERR_UNAUTHORIZED', 'unknown API token');
    req.apiAuthorized = true;
  });
}
