/**
 * What a reply or a log must never contain: a secret in any encoding a program might print it in, a stack trace,
 * an absolute path of this machine. Written apart from gateway/config/redact.ts on purpose: a blind spot of the
 * product's redactor must not be the test's blind spot too.
 */

/** The secret as it is, percent-encoded (both ways), JSON-escaped, base64 / base64url, and base64 of it inside longer text. */
export function leakForms(secret: string): string[] {
  const forms = new Set<string>([
    secret,
    encodeURIComponent(secret),
    encodeURI(secret),
    escape(secret),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret).toString('base64').replace(/=+$/, ''),
    Buffer.from(secret).toString('base64url'),
    Buffer.from(secret).toString('hex'),
  ]);
  // base64 of "<anything>secret<anything>" (Basic auth "user:secret", a token in a JSON blob) contains, at one of
  // three alignments, the base64 of the secret less the characters that mix with its neighbours.
  for (let pad = 0; pad < 3; pad++) {
    const enc = Buffer.from('\0'.repeat(pad) + secret + '\0\0\0').toString('base64');
    const from = Math.ceil((pad * 8) / 6);
    const to = Math.floor(((pad + Buffer.byteLength(secret)) * 8) / 6);
    const inner = enc.slice(from, to);
    if (inner.length >= 8) {
      forms.add(inner);
      forms.add(inner.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...forms].filter((f) => f.length >= 4);
}

/** Every place in `text` where one of the secrets stands in one of its forms, as "<secret name> as <form>". */
export function findLeaks(text: string, secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    for (const form of leakForms(secret)) {
      const at = text.indexOf(form);
      if (at !== -1) found.push(`${name} as ${JSON.stringify(form)} in …${text.slice(Math.max(0, at - 80), at + form.length + 40)}…`);
    }
  }
  return found;
}

/** A V8 stack frame ("at fn (/path/file.js:12:5)", "at file:///x.js:1:2", "at node:internal/…"). */
export const STACK_FRAME = /\bat (?:[^\s()]+ )?\(?(?:\/|file:\/\/|node:)[^\s)]*:\d+:\d+\)?/;

/** Where `text` shows a stack frame or one of the absolute paths (repo root, data dirs), if anywhere. */
export function findInternals(text: string, paths: readonly string[]): string[] {
  const out: string[] = [];
  const frame = STACK_FRAME.exec(text);
  if (frame) out.push(`stack frame ${JSON.stringify(frame[0])}`);
  for (const p of paths) if (p.length > 1 && text.includes(p)) out.push(`absolute path ${p}`);
  return out;
}
