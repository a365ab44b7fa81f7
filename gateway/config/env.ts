/**
 * Environment overrides for secrets and endpoints, applied to the raw config before validation:
 *   TELLTALE_API_PORT, TELLTALE_EDITOR_PORT, TELLTALE_DATA_DIR,
 *   TELLTALE_MODEL_PUBLIC_KEY (switches the model store on),
 *   TELLTALE_INFLUX_URL | _USERNAME | _PASSWORD, TELLTALE_MQTT_URL | _USERNAME | _PASSWORD (when tsdb / uplink are configured),
 *   TELLTALE_DEVICE_<ID>_HOST | _PORT (modbus-tcp), TELLTALE_DEVICE_<ID>_ENDPOINT | _USERNAME | _PASSWORD (opcua)
 * where <ID> is the device id upper-cased with every non-alphanumeric character replaced by `_`. A variable set to the
 * empty string counts as unset (a compose file's `${VAR:-}` passes one), so it never blanks a field of the file.
 */
import { isPlainObject as isMapping, joinPath, type ConfigProblem } from './errors.ts';

export interface EnvOverrides {
  problems: ConfigProblem[];
  /** Config path → the variable that set it, so a bad value names its variable. */
  origins: Map<string, string>;
}

type Raw = Record<string, unknown>;


/** Ports arrive as text; whole numbers become numbers, anything else stays text for the schema to reject. */
const envValue = (text: string, numeric: boolean): string | number => (numeric && /^-?\d+$/.test(text.trim()) ? Number(text) : text);

/** `optional`: the section is only overridden when the file has it (the variable alone does not switch it on). */
export const GATEWAY_ENV_VARS: ReadonlyArray<{ name: string; section: string; field: string; numeric: boolean; optional?: boolean }> = [
  { name: 'TELLTALE_API_PORT', section: 'api', field: 'port', numeric: true },
  { name: 'TELLTALE_EDITOR_PORT', section: 'editor', field: 'port', numeric: true },
  { name: 'TELLTALE_DATA_DIR', section: 'gateway', field: 'dataDir', numeric: false },
  { name: 'TELLTALE_INFLUX_URL', section: 'tsdb', field: 'url', numeric: false, optional: true },
  { name: 'TELLTALE_INFLUX_USERNAME', section: 'tsdb', field: 'username', numeric: false, optional: true },
  { name: 'TELLTALE_INFLUX_PASSWORD', section: 'tsdb', field: 'password', numeric: false, optional: true },
  { name: 'TELLTALE_MQTT_URL', section: 'uplink', field: 'url', numeric: false, optional: true },
  { name: 'TELLTALE_MQTT_USERNAME', section: 'uplink', field: 'username', numeric: false, optional: true },
  { name: 'TELLTALE_MQTT_PASSWORD', section: 'uplink', field: 'password', numeric: false, optional: true },
  { name: 'TELLTALE_MODEL_PUBLIC_KEY', section: 'models', field: 'publicKey', numeric: false },
];

export const DEVICE_ENV_FIELDS: Readonly<Record<string, { field: string; protocols: readonly string[]; numeric: boolean }>> = {
  HOST: { field: 'host', protocols: ['modbus-tcp'], numeric: false },
  PORT: { field: 'port', protocols: ['modbus-tcp'], numeric: true },
  ENDPOINT: { field: 'endpoint', protocols: ['opcua'], numeric: false },
  USERNAME: { field: 'username', protocols: ['opcua'], numeric: false },
  PASSWORD: { field: 'password', protocols: ['opcua'], numeric: false },
};

/** The <ID> part of TELLTALE_DEVICE_<ID>_<FIELD> for a device id. */
export function envDeviceKey(id: string): string {
  return id.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export function applyEnvOverrides(raw: Raw, env: NodeJS.ProcessEnv): EnvOverrides {
  const problems: ConfigProblem[] = [];
  const origins = new Map<string, string>();

  for (const v of GATEWAY_ENV_VARS) {
    const text = env[v.name];
    if (!text || (v.optional && raw[v.section] === undefined)) continue;
    raw[v.section] ??= {};
    const section = raw[v.section];
    if (!isMapping(section)) continue; // the schema reports the section itself
    section[v.field] = envValue(text, v.numeric);
    origins.set(joinPath(v.section, v.field), v.name);
  }

  const devices = Array.isArray(raw.devices) ? raw.devices : [];
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith('TELLTALE_DEVICE_') || !text) continue;
    const m = /^TELLTALE_DEVICE_(.+)_(HOST|PORT|ENDPOINT|USERNAME|PASSWORD)$/.exec(name);
    if (!m) {
      problems.push({ path: name, message: 'unknown variable (expected TELLTALE_DEVICE_<ID>_HOST, _PORT, _ENDPOINT, _USERNAME or _PASSWORD)' });
      continue;
    }
    const [, key, suffix] = m;
    const spec = DEVICE_ENV_FIELDS[suffix];
    const matches = devices.flatMap((d, i) => (isMapping(d) && typeof d.id === 'string' && envDeviceKey(d.id) === key ? [i] : []));
    if (matches.length === 0) {
      const ids = devices.flatMap((d) => (isMapping(d) && typeof d.id === 'string' ? [`${d.id} → ${envDeviceKey(d.id)}`] : []));
      problems.push({ path: name, message: `no device whose id gives ${key} (devices: ${ids.join(', ') || 'none'})` });
      continue;
    }
    if (matches.length > 1) {
      problems.push({ path: name, message: `ambiguous: devices[${matches.join('], devices[')}] all give ${key}; make their ids differ in letters or digits` });
      continue;
    }
    const index = matches[0];
    const device = devices[index] as Raw;
    if (!spec.protocols.includes(String(device.protocol))) {
      problems.push({ path: name, message: `${spec.field} does not apply to devices[${index}] (protocol ${String(device.protocol)}); it applies to ${spec.protocols.join(', ')}` });
      continue;
    }
    device[spec.field] = envValue(text, spec.numeric);
    origins.set(`devices[${index}].${spec.field}`, name);
  }
  return { problems, origins };
}
