/**
 * opcua-endpoint: a config node owning one core OpcUaEndpoint (session + subscription to one server).
 * opcua-subscribe nodes add their monitored-item groups to it. Username and password are credentials.
 */
import { OpcUaEndpoint } from '../../gateway/acquisition/opcua/index.ts';
import type { OpcUaDevice } from '../../gateway/acquisition/opcua/config.ts';
import { validateDevice } from '../../gateway/config/load.ts';
import type { NodeAPI, NodeDef, RedNode } from '../shared/red.ts';
import { telltaleSettings } from '../shared/settings.ts';
import { ownSharedInput, type SharedInput } from '../shared/shared-input.ts';

export interface OpcUaEndpointNode extends RedNode {
  shared?: SharedInput<OpcUaEndpoint>;
}

/** Editor fields + credentials → the core's validated endpoint config (errors name the field). */
export function opcUaEndpointConfig(id: string, def: NodeDef, credentials: Record<string, string | undefined> = {}): OpcUaDevice {
  const raw: Record<string, unknown> = {
    protocol: 'opcua',
    id,
    endpoint: String(def.endpoint ?? ''),
    securityMode: def.securityMode || 'None',
    securityPolicy: def.securityPolicy || 'None',
    // The core config requires tags; the endpoint has none of its own — opcua-subscribe nodes add groups.
    tags: [{ name: '_placeholder', nodeId: 'i=2258' }],
  };
  if (credentials.username) raw.username = credentials.username;
  if (credentials.password) raw.password = credentials.password;
  const device = validateDevice(raw, { source: `opcua-endpoint "${def.name || def.id}"`, at: '' }) as OpcUaDevice;
  return { ...device, tags: [] };
}

export default function (RED: NodeAPI): void {
  function OpcUaEndpointNode(this: OpcUaEndpointNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    this.shared = ownSharedInput(RED, this, def, ['opcua'], (id) =>
      new OpcUaEndpoint(opcUaEndpointConfig(id, def, this.credentials), { pkiDir: telltaleSettings(RED).pkiDir }));
  }
  RED.nodes.registerType('opcua-endpoint', OpcUaEndpointNode, {
    credentials: { username: { type: 'text' }, password: { type: 'password' } },
  });
}
