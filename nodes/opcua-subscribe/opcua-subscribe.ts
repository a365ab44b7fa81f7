/**
 * opcua-subscribe: monitored items of one asset on an opcua-endpoint. Emits one message per publish:
 * msg.payload = { asset, ts, values, quality }, msg.topic = asset.
 */
import type { OpcUaEndpoint } from '../../gateway/acquisition/opcua/index.ts';
import type { NodeAPI, NodeDef, RedNode } from '../shared/red.ts';
import { runSourceNode } from '../shared/source-node.ts';
import { opcUaGroup, type MonitoredGroup } from './group.ts';

export default function (RED: NodeAPI): void {
  function OpcUaSubscribeNode(this: RedNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    runSourceNode<OpcUaEndpoint, MonitoredGroup>(RED, this, def, {
      kind: 'opcua-subscribe',
      configProperty: 'endpoint',
      configType: 'opcua-endpoint',
      group: (d, endpointId) => opcUaGroup(this.id, d, endpointId),
      add: (endpoint, group) => endpoint.addGroup(group),
    });
  }
  RED.nodes.registerType('opcua-subscribe', OpcUaSubscribeNode);
}
