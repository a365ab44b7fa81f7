/**
 * What the host hands our nodes through RED.settings.telltale (the gateway's device registry, the PKI dir).
 * In a plain Node-RED (the package installed from the palette) there is no such setting: the nodes then share a
 * private registry of their own, and the PKI lives under the user dir.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceRegistry } from '../../gateway/runtime/registry.ts';
import type { TelltaleNodeSettings } from '../../gateway/host/settings.ts';
import type { NodeAPI } from './red.ts';

let fallback: TelltaleNodeSettings | undefined;

export function telltaleSettings(RED: NodeAPI): TelltaleNodeSettings {
  if (RED.settings.telltale) return RED.settings.telltale;
  const userDir = typeof RED.settings.userDir === 'string' ? RED.settings.userDir : tmpdir();
  return (fallback ??= { registry: new DeviceRegistry(), pkiDir: join(userDir, 'telltale-pki') });
}
