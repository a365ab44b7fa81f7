/** ConfigError and the wording of its problems: every line names the file, the path and what was expected. */
import type { ErrorObject } from 'ajv';
import { redactText } from './redact.ts';

export interface ConfigProblem {
  /** Where in the config, e.g. `devices[2].tags[5].type`; empty for the file as a whole. */
  path: string;
  /** What was expected and what was found, e.g. `expected integer ≤ 65535 (got 70000)`. */
  message: string;
  /** For YAML syntax errors: 1-based line and column in the file. */
  line?: number;
  column?: number;
}

export class ConfigError extends Error {
  readonly source: string;
  readonly problems: ConfigProblem[];

  constructor(source: string, problems: ConfigProblem[]) {
    super(problems.map((p) => formatProblem(source, p)).join('\n'));
    this.name = 'ConfigError';
    this.source = source;
    this.problems = problems;
  }
}

export function formatProblem(source: string, p: ConfigProblem): string {
  const where = p.line === undefined ? source : `${source}:${p.line}:${p.column ?? 1}`;
  // A bad password is never quoted back; a URL's user-info is masked wherever the message quotes it.
  const message = redactText(/(^|\.)(password|passwordHash)$/i.test(p.path) ? p.message.replace(/\(got .*\)/s, '(got ***)') : p.message);
  return p.path === '' ? `${where}: ${message}` : `${where}: ${p.path}: ${message}`;
}

/** `/devices/2/tags/5/type` → `devices[2].tags[5].type` */
export function pointerToPath(pointer: string, base = ''): string {
  let path = base;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) path += `[${seg}]`;
    else path += path === '' ? seg : `.${seg}`;
  }
  return path;
}

export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base === '' ? key : `${base}.${key}`;
}

/** A mapping as YAML or JSON produce it (not a Map, Date, Buffer, class instance…). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A short rendering of the offending value for `(got …)`. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return isPlainObject(value) ? 'a mapping' : `a ${value.constructor?.name ?? 'non-plain object'}`;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

type SchemaLike = {
  type?: string;
  const?: unknown;
  anyOf?: SchemaLike[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  items?: SchemaLike;
  properties?: Record<string, SchemaLike>;
};

/** Patterns of the schemas in words; others are shown as they are. */
const PATTERN_WORDS: Record<string, string> = {
  '^[A-Za-z0-9_.-]+$': 'a name of letters, digits, _ . or -',
  '^opc\\.tcp://': 'an opc.tcp:// URL',
};

const ARTICLE: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', boolean: 'true or false', integer: 'an integer', number: 'a number', null: 'null' };

/** What a schema accepts, in words: `one of bool, int16`, `integer ≤ 65535`, `a mapping`. */
export function describe(schema: SchemaLike): string {
  if (schema.anyOf && schema.anyOf.every((s) => s.const !== undefined)) return `one of ${schema.anyOf.map((s) => String(s.const)).join(', ')}`;
  if (schema.anyOf) return schema.anyOf.map(describe).join(' or ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const t = schema.type ?? 'any value';
  if (t === 'integer' || t === 'number') {
    if (schema.minimum !== undefined && schema.maximum !== undefined) return `${t} from ${schema.minimum} to ${schema.maximum}`;
    if (schema.minimum !== undefined) return `${t} ≥ ${schema.minimum}`;
    if (schema.maximum !== undefined) return `${t} ≤ ${schema.maximum}`;
    return t;
  }
  if (t === 'string' && schema.pattern) return PATTERN_WORDS[schema.pattern] ?? `a string matching ${schema.pattern}`;
  return ARTICLE[t] ?? t;
}

/**
 * Turns ajv's errors (verbose mode, so each carries its schema and data) into problems.
 * A union reports once ("expected one of …"), never once per branch.
 */
export function problemsFromAjv(errors: readonly ErrorObject[], base = ''): ConfigProblem[] {
  // A mapping given where a union has exactly one mapping branch (`tls: auto | false | {cert, key}`) is checked
  // against that branch: its own errors ("tls.key: required field missing") say more than "expected one of".
  const unions = errors.filter((e) => e.keyword === 'anyOf').map((e) => {
    const branches = Array.isArray(e.schema) ? (e.schema as SchemaLike[]) : [];
    const mappings = branches.flatMap((b, i) => (b.type === 'object' ? [i] : []));
    const isMapping = typeof e.data === 'object' && e.data !== null && !Array.isArray(e.data);
    return { error: e, prefix: `${e.schemaPath}/`, keep: isMapping && mappings.length === 1 ? `${e.schemaPath}/${mappings[0]}/` : undefined };
  });
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (unions.some((u) => u.error === e && u.keep)) continue;
    if (unions.some((u) => e.schemaPath.startsWith(u.prefix) && !(u.keep && e.schemaPath.startsWith(u.keep)))) continue;
    const problem = problemFromAjv(e, base);
    const key = `${problem.path}\0${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  }
  return problems;
}

function problemFromAjv(e: ErrorObject, base: string): ConfigProblem {
  const path = pointerToPath(e.instancePath, base);
  const schema = (e.parentSchema ?? {}) as SchemaLike;
  const got = ` (got ${show(e.data)})`;
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(schema.properties ?? {}).join(', ');
      return { path: joinPath(path, field), message: `unknown field (allowed: ${allowed})` };
    }
    case 'required': {
      const field = String((e.params as { missingProperty: string }).missingProperty);
      const want = schema.properties?.[field];
      return { path: joinPath(path, field), message: `required field missing${want ? ` (expected ${describe(want)})` : ''}` };
    }
    case 'minLength':
      return { path, message: schema.minLength === 1 ? `expected a non-empty string${got}` : `expected a string of at least ${schema.minLength} characters${got}` };
    case 'minItems': {
      const n = (e.params as { limit: number }).limit;
      const count = Array.isArray(e.data) ? e.data.length : 0;
      return { path, message: `expected at least ${n} ${n === 1 ? 'entry' : 'entries'} (got ${count})` };
    }
    case 'minimum':
    case 'maximum': {
      const { comparison, limit } = e.params as { comparison: string; limit: number };
      return { path, message: `expected ${schema.type ?? 'number'} ${comparison === '<=' ? '≤' : '≥'} ${limit}${got}` };
    }
    case 'anyOf':
    case 'type':
    case 'const':
    case 'pattern':
      return { path, message: `expected ${describe(schema)}${got}` };
    default:
      return { path, message: `${e.message ?? 'invalid'}${got}` };
  }
}
