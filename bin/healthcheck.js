#!/usr/bin/env node
// The container's HEALTHCHECK: exit 0 only when the gateway's /healthz answers 200.
//   node bin/healthcheck.js [--config FILE] [--timeout MS]
// It reads the same config as `telltale start` (default $TELLTALE_CONFIG, else /etc/telltale/gateway.yaml), with the
// same environment overrides (TELLTALE_API_PORT, TELLTALE_DATA_DIR), so it knows the API's port and whether it serves
// HTTP or HTTPS (api.tls, and its default: HTTPS on a non-loopback address). Over HTTPS it pins the certificate: the
// server's must be the one in <dataDir>/tls/cert.pem (tls: auto) or api.tls.cert, compared by SHA-256 fingerprint.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { config: { type: 'string' }, timeout: { type: 'string', default: '4000' } },
  allowPositionals: false,
});
const configFile = values.config ?? process.env.TELLTALE_CONFIG ?? '/etc/telltale/gateway.yaml';
const timeoutMs = Number(values.timeout);

const unhealthy = (why) => {
  console.error(`unhealthy: ${why}`);
  process.exit(1);
};

// The YAML and the TELLTALE_* overrides as `telltale start` applies them, without the schema's validator (~0.5 s
// of CPU a check): the gateway has validated this config when it started, only api.* and gateway.dataDir matter here.
let api;
let dataDir;
let tlsMode;
let TLS_DIR;
let CERT_FILE;
try {
  const { parseDocument } = await import('yaml');
  const { applyEnvOverrides } = await import('../dist/gateway/config/env.js');
  let HEALTHCHECK_DEFAULTS;
  ({ tlsMode, TLS_DIR, CERT_FILE, HEALTHCHECK_DEFAULTS } = await import('../dist/gateway/runtime/tls-mode.js'));
  const doc = parseDocument(readFileSync(configFile, 'utf8'), { uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) throw new Error(`${configFile}: ${doc.errors[0].message.split('\n')[0]}`);
  const raw = doc.toJS({ maxAliasCount: 100 }) ?? {};
  applyEnvOverrides(raw, process.env);
  api = {
    host: raw.api?.host ?? HEALTHCHECK_DEFAULTS.apiHost,
    port: raw.api?.port ?? HEALTHCHECK_DEFAULTS.apiPort,
    tls: raw.api?.tls,
  };
  dataDir = raw.gateway?.dataDir ?? HEALTHCHECK_DEFAULTS.dataDir;
} catch (err) {
  unhealthy(err.message);
}

const { host, port, tls } = api;
if (port === 0) unhealthy(`${configFile}: api.port is 0 (a free port picked at start): there is no port to check`);
// A wildcard address is reached through loopback; a specific one as it is.
const target = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
const mode = tlsMode(tls, host);
const pinned = mode === 'off' ? undefined : mode === 'auto' ? join(resolve(dataDir), TLS_DIR, CERT_FILE) : resolve(tls.cert);
let expected;
if (pinned) {
  try {
    expected = new X509Certificate(readFileSync(pinned)).fingerprint256;
  } catch (err) {
    unhealthy(`cannot read the API certificate ${pinned}: ${err.code ?? err.message}`);
  }
}

const url = `${pinned ? 'https' : 'http'}://${target.includes(':') ? `[${target}]` : target}:${port}/healthz`;
// The certificate is checked by its fingerprint below, not by a CA (it is self-signed, or names the public host name).
const req = (pinned ? httpsRequest : httpRequest)(url, { timeout: timeoutMs, ...(pinned ? { rejectUnauthorized: false } : {}) }, (res) => {
  if (pinned) {
    const got = res.socket.getPeerCertificate().fingerprint256;
    if (got !== expected) unhealthy(`${url}: the server's certificate (SHA-256 ${got}) is not ${pinned} (${expected})`);
  }
  res.resume();
  res.on('end', () => {
    if (res.statusCode === 200) {
      console.log(`healthy: ${url} 200${pinned ? ' (certificate pinned)' : ''}`);
      process.exit(0);
    }
    unhealthy(`${url} answered ${res.statusCode}`);
  });
});
req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
req.on('error', (err) => unhealthy(`${url}: ${err.message}`));
req.end();
