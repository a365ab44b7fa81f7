/**
 * HTTPS for the API and the editor. `api.tls` / `editor.tls` is one of:
 *   - `{ cert, key }`: the operator's own PEM files;
 *   - `auto`: a self-signed certificate the gateway makes on its first start and keeps in `<dataDir>/tls/`
 *     (`cert.pem`, `key.pem` 0600, ECDSA P-256, subjectAltName: this host's name, localhost, 127.0.0.1, ::1 and the
 *     configured host, plus TELLTALE_TLS_NAMES), reused on later starts and replaced when it expires or lacks a name
 *     of TELLTALE_TLS_NAMES; its SHA-256 fingerprint is printed so a client can pin it;
 *   - `false`: plain HTTP, chosen explicitly (e.g. behind a reverse proxy that terminates TLS);
 *   - absent: `auto` when the server listens on a non-loopback address (0.0.0.0, ::, a LAN address or name), plain
 *     HTTP on loopback (127.0.0.0/8, ::1, localhost), where nothing crosses the network.
 * The same self-signed certificate serves the API and the editor.
 */
import { X509Certificate, createPrivateKey, webcrypto } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import type { TlsSetting } from '../config/schema.ts';
import { ListenError } from './listen-error.ts';
import { CERT_FILE, KEY_FILE, TLS_DIR, tlsMode } from './tls-mode.ts';

export { CERT_FILE, KEY_FILE, TLS_DIR, isLoopback, tlsMode } from './tls-mode.ts';
/** 825 days: the longest validity macOS and iOS accept for a TLS server certificate a user trusts by hand. */
const VALIDITY_DAYS = 825;

/** What a server listens with: plain HTTP, or HTTPS with these PEM contents. */
export type ServerTls =
  | { mode: 'off' }
  | { mode: 'files' | 'auto'; cert: Buffer; key: Buffer; certFile: string; keyFile: string; fingerprint: string; generated: boolean; replaced?: string };

/** SHA-256 of the certificate's DER, as colon-separated hex (what browsers and `openssl x509 -fingerprint -sha256` show). */
export const fingerprintOf = (certPem: string | Buffer): string => new X509Certificate(certPem).fingerprint256;

/** Names the certificate must carry: this machine's name, localhost, the loopback addresses and the configured host. */
function subjectNames(hosts: readonly string[]): { type: 'dns' | 'ip'; value: string }[] {
  const names = new Map<string, 'dns' | 'ip'>();
  const add = (n: string) => {
    const v = n.trim().toLowerCase().replace(/^\[|\]$/g, '');
    if (!v || v === '0.0.0.0' || v === '::') return; // wildcards are not names a client connects to
    names.set(v, isIP(v) ? 'ip' : 'dns');
  };
  for (const n of [hostname(), 'localhost', '127.0.0.1', '::1', ...hosts]) add(n);
  return [...names].map(([value, type]) => ({ type, value }));
}

const pem = (label: string, der: ArrayBuffer) => `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END ${label}-----\n`;

/** A new self-signed ECDSA P-256 server certificate and its PKCS#8 key, both PEM. */
export async function selfSignedCertificate(hosts: readonly string[], now = new Date()): Promise<{ cert: string; key: string }> {
  // Loaded only here (~100 ms): a gateway on plain HTTP or with its certificate already made never pays for it.
  // @peculiar/x509 resolves its ASN.1 classes through tsyringe, which needs the Reflect polyfill first.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
  const cn = hostname().replace(/[,=+<>#;\\"]/g, '') || 'telltale';
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  serial[0] &= 0x7f; // a positive INTEGER
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: `CN=${cn}, O=Telltale gateway (self-signed)`,
    notBefore: new Date(now.getTime() - 60_000), // a clock a little behind still accepts it
    notAfter: new Date(now.getTime() + VALIDITY_DAYS * 86_400_000),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(subjectNames(hosts)),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

/** Certificates this process generated: the second server using one says "generated now" too. */
const generatedHere = new Set<string>();

/**
 * Extra names for the self-signed certificate, from TELLTALE_TLS_NAMES (comma- or space-separated host names and
 * addresses, e.g. the LAN name and address a container is reached by): clients that check names then accept it
 * with the certificate as their CA, without pinning.
 */
export const extraNames = (env: NodeJS.ProcessEnv = process.env): string[] => (env.TELLTALE_TLS_NAMES ?? '').split(/[\s,]+/).filter(Boolean);

/** Why a kept certificate cannot be used any more, or undefined when it can. */
function unusable(cert: Buffer, key: Buffer, now: Date, required: readonly string[]): string | undefined {
  try {
    const c = new X509Certificate(cert);
    if (new Date(c.validTo).getTime() <= now.getTime() + 86_400_000) return `it expires ${c.validTo}`;
    if (!c.checkPrivateKey(createPrivateKey(key))) return 'its key does not match';
    // Names asked for in TELLTALE_TLS_NAMES (not this host's name: a new container has a new one).
    const missing = required.filter((n) => (isIP(n) ? c.checkIP(n) : c.checkHost(n)) === undefined);
    if (missing.length) return `it lacks ${missing.join(', ')} (TELLTALE_TLS_NAMES)`;
    return undefined;
  } catch (e) {
    return `it cannot be read (${(e as Error).message})`;
  }
}

/**
 * The self-signed certificate of `<dataDir>/tls/`: read when it is there and still good, else made (and written:
 * key first with mode 0600, each through a temporary file and a rename, so a crash never leaves half a pair).
 */
export async function ensureSelfSigned(dataDir: string, hosts: readonly string[] = [], now = new Date(), required: readonly string[] = []): Promise<{ cert: Buffer; key: Buffer; certFile: string; keyFile: string; generated: boolean; replaced?: string }> {
  const dir = join(dataDir, TLS_DIR);
  const certFile = join(dir, CERT_FILE);
  const keyFile = join(dir, KEY_FILE);
  let replaced: string | undefined;
  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = readFileSync(certFile);
    const key = readFileSync(keyFile);
    replaced = unusable(cert, key, now, required);
    if (!replaced) {
      // A key someone made readable to others goes back to 0600 (as ssh and mosquitto insist).
      if ((statSync(keyFile).mode & 0o077) !== 0) chmodSync(keyFile, 0o600);
      return { cert, key, certFile, keyFile, generated: false };
    }
  }
  const made = await selfSignedCertificate([...hosts, ...required], now);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const write = (file: string, text: string, mode: number) => {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode });
    chmodSync(tmp, mode); // the umask does not widen it, an existing file's mode does not survive
    renameSync(tmp, file);
  };
  write(keyFile, made.key, 0o600);
  write(certFile, made.cert, 0o644);
  generatedHere.add(certFile);
  return { cert: Buffer.from(made.cert), key: Buffer.from(made.key), certFile, keyFile, generated: true, ...(replaced ? { replaced } : {}) };
}

/** Reads a PEM file named by the config; the error names the field and the file. */
function readPem(path: string, field: string): Buffer {
  try {
    return readFileSync(resolve(path));
  } catch (err) {
    throw new ListenError(`${field}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * What a server (`api` or `editor`) listens with. `auto` makes or reuses the certificate of `<dataDir>/tls/`;
 * the operator's files are read now, so a bad path stops the start before anything listens.
 */
export async function serverTls(section: 'api' | 'editor', setting: TlsSetting | undefined, host: string, dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<ServerTls> {
  const mode = tlsMode(setting, host);
  if (mode === 'off') return { mode };
  if (mode === 'files') {
    const files = setting as { cert: string; key: string };
    const cert = readPem(files.cert, `${section}.tls.cert`);
    const key = readPem(files.key, `${section}.tls.key`);
    let fingerprint: string;
    try {
      fingerprint = fingerprintOf(cert);
    } catch (err) {
      throw new ListenError(`${section}.tls.cert: ${files.cert} is not a PEM certificate (${(err as Error).message})`);
    }
    return { mode, cert, key, certFile: resolve(files.cert), keyFile: resolve(files.key), fingerprint, generated: false };
  }
  let made: Awaited<ReturnType<typeof ensureSelfSigned>>;
  try {
    made = await ensureSelfSigned(dataDir, [host], new Date(), extraNames(env).map((n) => n.toLowerCase().replace(/^\[|\]$/g, '')));
  } catch (err) {
    // A read-only or foreign-owned data dir: the operator's to fix, in one line.
    throw new ListenError(`${section}.tls: cannot keep the self-signed certificate in ${join(dataDir, TLS_DIR)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return {
    mode, cert: made.cert, key: made.key, certFile: made.certFile, keyFile: made.keyFile, fingerprint: fingerprintOf(made.cert),
    generated: made.generated || generatedHere.has(made.certFile), ...(made.replaced ? { replaced: made.replaced } : {}),
  };
}

/** The line printed at start for a server on TLS: which certificate, and the fingerprint to pin or compare. */
export function describeTls(what: string, tls: ServerTls): string | undefined {
  if (tls.mode === 'off') return undefined;
  const made = tls.generated ? `generated now${tls.replaced ? `, replacing the one before: ${tls.replaced}` : ''}` : 'kept from an earlier start';
  const origin = tls.mode === 'files' ? 'certificate' : `self-signed certificate (${made}; set ${what.toLowerCase()}.tls to use your own)`;
  return `${what} TLS: ${origin} ${tls.certFile}, SHA-256 fingerprint ${tls.fingerprint}`;
}
