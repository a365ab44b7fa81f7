/**
 * modbus-read: one poll group on a modbus-device. Emits one message per poll:
 * msg.payload = { asset, ts, values, quality }, msg.topic = asset.
 */
import type { ModbusDevice } from '../../gateway/acquisition/modbus/index.ts';
import type { NodeAPI, NodeDef, RedNode } from '../shared/red.ts';
import { runSourceNode } from '../shared/source-node.ts';
import { modbusReadGroup, type PollGroup } from './group.ts';

export default function (RED: NodeAPI): void {
  function ModbusReadNode(this: RedNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    runSourceNode<ModbusDevice, PollGroup>(RED, this, def, {
      kind: 'modbus-read',
      configProperty: 'device',
      configType: 'modbus-device',
      group: (d, deviceId) => modbusReadGroup(this.id, d, deviceId),
      add: (device, group) => device.addPollGroup(group),
    });
  }
  RED.nodes.registerType('modbus-read', ModbusReadNode);
}
