/**
 * Validates a plain configuration object: environment overrides, the schema (ajv: all errors, defaults filled in,
 * no type coercion), then the cross-field checks. The result is deep-frozen.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { Type } from '@sinclair/typebox';
import { checkDevice, checkGateway } from './cross-checks.ts';
import { applyEnvOverrides } from './env.ts';
import { ConfigError, isPlainObject, joinPath, problemsFromAjv, show, type ConfigProblem } from './errors.ts';
import { DeviceConfig, GatewayConfig } from './schema.ts';

export interface ValidateOptions {
  /** Names the config in messages (a file name); default `config`. */
  source?: string;
  /** Environment for the TELLTALE_* overrides; none when omitted. */
  env?: NodeJS.ProcessEnv;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: false, verbose: true });

/** The gateway schema with devices left open: each device is checked against the one branch its protocol picks. */
const validateGatewayShape = ajv.compile(
  Type.Object({ ...GatewayConfig.properties, devices: Type.Array(Type.Unknown(), { default: [] }) }, { additionalProperties: false }),
);

const deviceValidators = new Map<string, ValidateFunction>(
  DeviceConfig.anyOf.map((branch) => [String(branch.properties.protocol.const), ajv.compile(branch)]),
);

export const PROTOCOLS: readonly string[] = [...deviceValidators.keys()];

const isMapping = isPlainObject;

/** Paths of values JSON could not hold (a Map, a Date, a bigint, a function…): the schema would misjudge them. */
function nonPlainData(value: unknown, path: string, out: ConfigProblem[]): ConfigProblem[] {
  if (out.length >= 10) return out;
  if (Array.isArray(value)) value.forEach((v, i) => nonPlainData(v, joinPath(path, i), out));
  else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) nonPlainData(v, joinPath(path, k), out);
  else if (typeof value === 'object' && value !== null) out.push({ path, message: `expected plain data (got ${show(value)})` });
  else if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') out.push({ path, message: `expected plain data (got a ${typeof value})` });
  return out;
}

/** Schema problems of one device, judged only by the branch its `protocol` names (never the union's noise). */
function deviceProblems(device: unknown, at: string): ConfigProblem[] {
  if (!isMapping(device)) return [{ path: at, message: `expected a mapping (got ${show(device)})` }];
  const protocol = device.protocol;
  const expected = `expected one of ${PROTOCOLS.join(', ')}`;
  if (protocol === undefined) return [{ path: `${at}.protocol`, message: `required field missing (${expected})` }];
  const validate = typeof protocol === 'string' ? deviceValidators.get(protocol) : undefined;
  if (!validate) return [{ path: `${at}.protocol`, message: `${expected} (got ${show(protocol)})` }];
  return validate(device) ? [] : problemsFromAjv(validate.errors ?? [], at);
}

function cloneInput(value: unknown, source: string, at: string): unknown {
  const problems = nonPlainData(value, at, []);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return structuredClone(value);
}

/** Env problems first, then the gateway's own fields, then device by device in file order (ajv groups by keyword). */
function rank(p: ConfigProblem): number {
  if (p.path.startsWith('TELLTALE_')) return -1;
  const device = /^devices\[(\d+)\]/.exec(p.path);
  return device ? Number(device[1]) : -0.5;
}

function withOrigins(problems: ConfigProblem[], origins: Map<string, string>): ConfigProblem[] {
  return problems.map((p) => {
    const variable = origins.get(p.path);
    return variable ? { ...p, message: `${p.message} [from ${variable}]` } : p;
  });
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Validates a whole gateway configuration; returns it frozen with defaults filled in, or throws ConfigError. */
export function validateConfig(value: unknown, options: ValidateOptions = {}): GatewayConfig {
  const source = options.source ?? 'config';
  const raw = cloneInput(value, source, '');
  if (!isMapping(raw)) throw new ConfigError(source, [{ path: '', message: `expected a mapping at the top level (got ${show(raw)})` }]);

  // Top-level `x-…` keys are a place for YAML anchors (as in Docker Compose); they are not configuration.
  for (const key of Object.keys(raw)) if (key.startsWith('x-')) delete raw[key];
  const { problems: envProblems, origins } = applyEnvOverrides(raw, options.env ?? {});
  const problems = [...envProblems];
  const shapeOk = validateGatewayShape(raw);
  if (!shapeOk) problems.push(...problemsFromAjv(validateGatewayShape.errors ?? []));

  const valid = new Set<number>();
  if (Array.isArray(raw.devices)) {
    raw.devices.forEach((device, i) => {
      const found = deviceProblems(device, `devices[${i}]`);
      if (found.length === 0) {
        valid.add(i);
        found.push(...checkDevice(device as DeviceConfig, `devices[${i}]`));
      }
      problems.push(...found);
    });
  }
  const invalidSections = new Set(problems.map((p) => p.path.split(/[.[]/)[0]));
  problems.push(...checkGateway(raw, valid, invalidSections));
  if (problems.length > 0) throw new ConfigError(source, withOrigins(problems, origins).sort((a, b) => rank(a) - rank(b)));
  return deepFreeze(raw as GatewayConfig);
}

/** Validates one device on its own (a Node-RED config node's settings); `at` prefixes the paths in messages. */
export function validateDevice(value: unknown, options: { source?: string; at?: string } = {}): DeviceConfig {
  const source = options.source ?? 'device';
  const at = options.at ?? 'device';
  const device = cloneInput(value, source, at);
  const problems = deviceProblems(device, at);
  if (problems.length === 0) problems.push(...checkDevice(device as DeviceConfig, at));
  if (problems.length > 0) throw new ConfigError(source, problems);
  return deepFreeze(device as DeviceConfig);
}
