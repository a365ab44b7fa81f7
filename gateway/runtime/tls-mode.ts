/**
 * Which of HTTP and HTTPS a server speaks (the rule of gateway/runtime/tls.ts), without the certificate code: the
 * container's health check (bin/healthcheck.js) loads only this.
 */
import { isIP } from 'node:net';
import type { TlsSetting } from '../config/schema.ts';

/**
 * The schema's defaults the health check needs (bin/healthcheck.js reads the YAML and the environment itself: the
 * schema and its validator cost ~0.5 s of CPU, every 30 s on an edge box). test/runtime/tls.test.ts keeps them equal.
 */
export const HEALTHCHECK_DEFAULTS = { apiHost: '127.0.0.1', apiPort: 8080, dataDir: './data' } as const;

export const TLS_DIR = 'tls';
export const CERT_FILE = 'cert.pem';
export const KEY_FILE = 'key.pem';

/** 127.0.0.0/8, ::1, ::ffff:127.x and localhost: a server there is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** The effective mode of a `tls` setting for a server on `host`: absent means auto off loopback, plain HTTP on it. */
export function tlsMode(setting: TlsSetting | undefined, host: string): 'off' | 'auto' | 'files' {
  if (setting === false) return 'off';
  if (setting === 'auto') return 'auto';
  if (setting !== undefined) return 'files';
  return isLoopback(host) ? 'off' : 'auto';
}

