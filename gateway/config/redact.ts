/**
 * One place that makes text safe to print or serve: user-info of every URL (`mqtt://user:pass@host`), secret query
 * parameters (`?password=`, `token=`, InfluxDB's `u=`/`p=` …), `password` fields of objects, and — given the secret
 * values themselves — any occurrence of them (also URL- and base64-encoded). Used for the start banner, log lines,
 * API replies, error messages and `config print`.
 */

export const MASK = '***';

/** A mapping as YAML or JSON produce it (errors.ts has the same test; it imports this file). */
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && [Object.prototype, null].includes(Object.getPrototypeOf(v));

/** Query parameters whose value is a credential (compared case-insensitively; InfluxDB 1.x takes `u` and `p`). */
const SECRET_PARAMS = new Set(['password', 'passwd', 'pwd', 'pass', 'p', 'u', 'token', 'access_token', 'refresh_token', 'id_token', 'auth', 'authorization', 'secret', 'client_secret', 'api_key', 'apikey', 'api-key', 'key', 'credential', 'credentials', 'sig', 'signature']);

/** Object keys whose value is a credential (password, passwordHash, token, secret, …). */
const SECRET_KEY = /^(password|passwordhash|passwd|secret|token|tokens|apitoken|apikey|credentialsecret|privatekey)$/i;

/** A scheme and `://`, then everything up to white space or a quote, less trailing punctuation: a URL in running text. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]*[^\s"'<>`.,:;)\]}!?]/gi;

/**
 * Masks user-info and secret query values of one URL-like string, changing nothing else of the text. WHATWG URL
 * decides where the user-info ends; a string it cannot parse (e.g. "mqtt://user:pa/ss@host") or reads with the
 * password in its path or fragment ("http://u:123#pw@host") is masked up to its last @.
 */
export function redactUrl(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (!scheme) return maskQuery(url);
  const start = scheme[0].length;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  const masked = (at: number) => maskQuery(`${url.slice(0, start)}${MASK}@${url.slice(at + 1)}`);
  if (parsed && (parsed.username !== '' || parsed.password !== '')) {
    // The authority ends at the first / ? # (or \ in http, ws and the like); its user-info at the last @ before that.
    const special = /^(https?|wss?|ftp|file):$/i.test(parsed.protocol);
    const stop = url.slice(start).search(special ? /[/?#\\]/ : /[/?#]/);
    const at = url.lastIndexOf('@', (stop === -1 ? url.length : start + stop) - 1);
    if (at >= start) return masked(at);
    const fallback = url.split('?')[0].lastIndexOf('@');
    return fallback >= start ? masked(fallback) : `${url.slice(0, start)}${MASK}`;
  }
  // Unparsed, or parsed without user-info yet "x:y…@" in it: a password with a / ? or # that WHATWG read as path,
  // query or fragment. Masked up to the last @ (a host:port URL with an @ in its query loses a little too much).
  const at = url.lastIndexOf('@');
  if (at >= start && (!parsed || url.slice(start, at).includes(':'))) return masked(at);
  return maskQuery(url);
}

/** Secret `key=value` pairs of a query-like text masked. */
function maskQuery(text: string): string {
  return text.replace(/([?&;])([^=&#\s]+)=([^&#\s]*)/g, (all, sep: string, key: string) => (SECRET_PARAMS.has(key.toLowerCase()) ? `${sep}${key}=${MASK}` : all));
}

/** `user:pass@host` without a scheme (a host setting, a library message), masked up to the `@`. */
const BARE_USERINFO = /(^|[\s"'(=,[])([^\s"'@/:()=,[\]]+):([^\s"'@/]+)@(?=[a-z0-9[])/gi;

/** `password=…`, `password: …`, `"password":"…"` (and passwd, secret) in free text. */
const KEY_VALUE = /\b((?:password|passwd|secret)"?)(\s*[=:]\s*)(?!["']?\*\*\*)("[^"]*"|'[^']*'|[^\s,;&"'}]+)/gi;
/** Credentials of an HTTP Authorization header quoted in text. */
const AUTH_HEADER = /\b(Bearer|Basic)\s+(?!\*\*\*)[A-Za-z0-9._~+/=-]{8,}/g;

/** The encodings a secret may be printed in: as is, URL-encoded, base64 (and base64 of `user:secret` fragments). */
export function secretForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), encodeURI(secret), Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url')]);
  // base64 of a secret embedded in longer text: each of the three alignments, without the edge characters
  for (let shift = 0; shift < 3; shift++) {
    const b = Buffer.from(`${'\0'.repeat(shift)}${secret}`).toString('base64');
    const inner = b.slice(Math.ceil((shift * 4) / 3) + 1, Math.floor(((shift + Buffer.byteLength(secret)) * 4) / 3) - 1);
    if (inner.length >= 8) forms.add(inner);
  }
  return [...forms].filter((f) => f.length > 0);
}

/** Secrets shorter than this are not searched for by value (they would mask ordinary words); URLs still are. */
export const MIN_SECRET_LENGTH = 4;

/**
 * Makes free text safe: every URL's user-info and secret query values, bare `user:pass@host`, and every given
 * secret value in any of its forms are replaced by ***.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  return makeRedactor(secrets)(text);
}

/** redactText with the secrets' forms worked out once: for a stream of log lines or replies. */
export function makeRedactor(secrets: readonly string[] = []): (text: string) => string {
  const forms = [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).flatMap(secretForms))].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text.replace(URL_IN_TEXT, (url) => redactUrl(url));
    out = out.replace(BARE_USERINFO, (_all, lead: string) => `${lead}${MASK}@`);
    out = out.replace(KEY_VALUE, (_all, key: string, sep: string, value: string) => {
      const q = value[0] === '"' || value[0] === "'" ? value[0] : '';
      return `${key}${sep}${q}${MASK}${q}`;
    });
    out = out.replace(AUTH_HEADER, (_all, scheme: string) => `${scheme} ${MASK}`);
    for (const form of forms) if (out.includes(form)) out = out.split(form).join(MASK);
    return out;
  };
}

/**
 * A copy of a value with every credential masked: `password`-like keys become ***, every string goes through
 * redactText (URLs lose their user-info).
 */
export function redactSecrets(value: unknown, secrets: readonly string[] = []): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, secrets));
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) && v !== undefined && v !== null ? MASK : redactSecrets(v, secrets)]));
}

/**
 * Environment variables whose value is a secret: every TELLTALE_* variable naming a password, token, secret or
 * key (TELLTALE_EDITOR_PASSWORD(_HASH), TELLTALE_CREDENTIAL_SECRET, TELLTALE_API_TOKEN(S), TELLTALE_INFLUX_PASSWORD,
 * TELLTALE_MQTT_PASSWORD, TELLTALE_DEVICE_<ID>_PASSWORD, TELLTALE_OPCUA_PASSWORD). A file variable
 * (TELLTALE_API_TOKENS_FILE) names a path, not a secret.
 */
export function isSecretEnvName(name: string): boolean {
  return /^TELLTALE_/.test(name) && /(PASSWORD|SECRET|TOKEN|PRIVATE_KEY)/.test(name) && !/_FILE$/.test(name);
}

/** The secret values a process must never print: secret env variables, API tokens, config passwords and URL passwords. */
export function secretValues(config: unknown, env: NodeJS.ProcessEnv = process.env): string[] {
  const found = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value || !isSecretEnvName(name)) continue;
    found.add(value);
    // TELLTALE_API_TOKENS is a comma-separated list: each token on its own
    if (/TOKENS$/.test(name)) for (const t of value.split(',')) if (t.trim()) found.add(t.trim());
  }
  const walk = (v: unknown, key?: string): void => {
    if (typeof v === 'string') {
      if (key !== undefined && SECRET_KEY.test(key) && v) found.add(v);
      for (const url of v.match(URL_IN_TEXT) ?? []) {
        const pw = urlPassword(url);
        if (pw) found.add(pw);
      }
    } else if (Array.isArray(v)) v.forEach((x) => walk(x));
    else if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(config);
  return [...found].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

/** The (decoded) password in a URL's user-info, if any. */
function urlPassword(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.password) return decodeURIComponent(u.password);
  } catch {
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^:@/]*:([^@\s]*)@/i.exec(url);
    if (m?.[1]) return m[1];
  }
  return undefined;
}
