/** Checks that span fields or entries, which a JSON schema cannot say. Run on entries that passed their schema. */
import type { ModbusRtuDevice, ModbusTag, ModbusTcpDevice } from '../acquisition/modbus/config.ts';
import { registerWidth } from '../acquisition/modbus/codec.ts';
import type { OpcUaDevice } from '../acquisition/opcua/config.ts';
import { parseInfluxUrl } from '../outputs/influx/config.ts';
import { resolveUplinkConfig } from '../uplink/config.ts';
import { isPlainObject as isMapping, type ConfigProblem } from './errors.ts';
import type { DeviceConfig } from './schema.ts';

type ModbusDevice = ModbusTcpDevice | ModbusRtuDevice;

/** Problems of one device on its own (its tags, its backoff, its security settings). */
export function checkDevice(device: DeviceConfig, at: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (device.backoff.initialMs > device.backoff.maxMs) {
    problems.push({ path: `${at}.backoff.initialMs`, message: `expected at most backoff.maxMs = ${device.backoff.maxMs} (got ${device.backoff.initialMs})` });
  }
  if (device.protocol === 'opcua') problems.push(...checkOpcUa(device, at));
  else device.tags.forEach((tag, i) => problems.push(...checkModbusTag(device, tag, `${at}.tags[${i}]`)));
  return problems;
}

function checkModbusTag(device: ModbusDevice, tag: ModbusTag, at: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const bitTable = tag.table === 'coil' || tag.table === 'discrete';
  if (bitTable && tag.type !== 'bool') {
    problems.push({ path: `${at}.type`, message: `table ${tag.table} holds single bits: expected bool (got ${JSON.stringify(tag.type)})` });
  }
  if (tag.bit !== undefined && (tag.type !== 'bool' || bitTable)) {
    problems.push({ path: `${at}.bit`, message: `only for type bool in table holding or input (this tag is ${tag.type} in ${tag.table})` });
  }
  if (tag.type === 'string' && tag.length === undefined) {
    problems.push({ path: `${at}.length`, message: 'required for type string (number of registers, 2 characters each)' });
  }
  if (tag.length !== undefined && tag.type !== 'string') {
    problems.push({ path: `${at}.length`, message: `only for type string (this tag is ${tag.type})` });
  }
  const width = registerWidth(tag.type, { length: tag.length });
  if (tag.address + width > 65536) {
    const unit = bitTable ? 'bit' : 'register';
    problems.push({ path: `${at}.address`, message: `${tag.type} at ${tag.address} needs ${width} ${unit}${width > 1 ? 's' : ''}, past the last ${unit} 65535` });
  }
  if (!bitTable && width > device.maxRegistersPerRead) {
    const field = tag.type === 'string' ? 'length' : 'type';
    problems.push({ path: `${at}.${field}`, message: `${tag.type} needs ${width} registers, more than one read takes (device maxRegistersPerRead is ${device.maxRegistersPerRead})` });
  }
  return problems;
}

function checkOpcUa(device: OpcUaDevice, at: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (device.securityMode === 'None' && device.securityPolicy !== 'None') {
    problems.push({ path: `${at}.securityPolicy`, message: `expected None when securityMode is None (got ${JSON.stringify(device.securityPolicy)})` });
  }
  if (device.securityMode !== 'None' && device.securityPolicy === 'None') {
    problems.push({ path: `${at}.securityPolicy`, message: `securityMode ${device.securityMode} needs a policy: expected one of Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss (got "None")` });
  }
  if (device.password !== undefined && device.username === undefined) {
    problems.push({ path: `${at}.username`, message: 'required when a password is given' });
  }
  return problems;
}


/**
 * Problems between entries: unique device and bus ids, an RTU device's bus exists, unique tag names per asset
 * (an asset may span devices), distinct API and editor ports. Runs even when other parts failed their schema, so
 * it reads `config` defensively; `valid` lists the devices that passed theirs, `invalidSections` the top-level
 * sections that did not.
 */
export function checkGateway(config: Record<string, unknown>, valid: ReadonlySet<number>, invalidSections: ReadonlySet<string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const buses = Array.isArray(config.buses) ? config.buses : [];
  const busesKnown = buses.every((b) => isMapping(b) && typeof b.id === 'string');
  const firstBus = new Map<string, number>();
  buses.forEach((bus, i) => {
    if (!isMapping(bus) || typeof bus.id !== 'string') return;
    const first = firstBus.get(bus.id);
    if (first === undefined) firstBus.set(bus.id, i);
    else problems.push({ path: `buses[${i}].id`, message: `duplicate bus id ${JSON.stringify(bus.id)} (first at buses[${first}])` });
  });

  const devices = (Array.isArray(config.devices) ? config.devices : []) as DeviceConfig[];
  const firstDevice = new Map<string, number>();
  const firstTag = new Map<string, string>();
  devices.forEach((device, i) => {
    if (!valid.has(i)) return;
    const at = `devices[${i}]`;
    const first = firstDevice.get(device.id);
    if (first === undefined) firstDevice.set(device.id, i);
    else problems.push({ path: `${at}.id`, message: `duplicate device id ${JSON.stringify(device.id)} (first at devices[${first}])` });
    if (device.protocol === 'modbus-rtu' && busesKnown && !firstBus.has(device.bus)) {
      const have = [...firstBus.keys()].join(', ');
      problems.push({ path: `${at}.bus`, message: `no serial bus ${JSON.stringify(device.bus)} in buses[] (${have ? `have: ${have}` : 'buses is empty'})` });
    }
    device.tags.forEach((tag, t) => {
      const asset = tag.asset ?? device.asset ?? device.id;
      const key = `${asset}\0${tag.name}`;
      const here = `${at}.tags[${t}]`;
      const seen = firstTag.get(key);
      if (seen === undefined) firstTag.set(key, here);
      else problems.push({ path: `${here}.name`, message: `duplicate tag ${JSON.stringify(tag.name)} on asset ${JSON.stringify(asset)} (first at ${seen})` });
    });
  });

  const api = isMapping(config.api) ? config.api : {};
  const editor = isMapping(config.editor) ? config.editor : {};
  if (editor.enabled !== false && typeof api.port === 'number' && api.port !== 0 && api.port === editor.port) {
    problems.push({ path: 'editor.port', message: `expected a port other than api.port (both are ${api.port})` });
  }
  problems.push(...checkOutputs(config, invalidSections));
  return problems;
}

/** The outputs' own URL checks (their resolvers run again at start; asking them here keeps one rule in one place). */
function checkOutputs(config: Record<string, unknown>, invalidSections: ReadonlySet<string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const tsdb = config.tsdb;
  if (isMapping(tsdb) && !invalidSections.has('tsdb')) {
    try {
      parseInfluxUrl(String(tsdb.url), typeof tsdb.database === 'string' ? tsdb.database : undefined, {});
    } catch (e) {
      problems.push({ path: 'tsdb.url', message: (e as Error).message.replace(/^influx url: /, '') });
    }
  }
  if (isMapping(config.uplink) && !invalidSections.has('uplink')) {
    try {
      resolveUplinkConfig(config.uplink, 'uplink', {});
    } catch (e) {
      const m = /^(uplink[^:]*): (.*)$/s.exec((e as Error).message);
      problems.push(m ? { path: m[1], message: m[2] } : { path: 'uplink', message: (e as Error).message });
    }
  }
  return problems;
}
