/**
 * modbus-device: a config node owning one core ModbusDevice (TCP or RTU connection to one slave). modbus-read
 * nodes add their poll groups to it and see its connection status.
 */
import { ModbusDevice } from '../../gateway/acquisition/modbus/index.ts';
import type { NodeAPI, NodeDef, RedNode } from '../shared/red.ts';
import { SharedInput, deviceIdOf } from '../shared/shared-input.ts';
import { modbusDeviceConfig } from './device-config.ts';

export interface ModbusDeviceNode extends RedNode {
  shared?: SharedInput<ModbusDevice>;
}

export default function (RED: NodeAPI): void {
  function ModbusDeviceNode(this: ModbusDeviceNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    try {
      const id = deviceIdOf(def);
      node.shared = new SharedInput(RED, node, id, ['modbus-tcp', 'modbus-rtu'], () => {
        const { device, bus } = modbusDeviceConfig(id, def);
        return new ModbusDevice(device, bus === undefined ? undefined : { bus });
      });
    } catch (err) {
      node.error(`modbus-device "${def.name ?? def.id}": ${(err as Error).message}`);
    }
    node.on('close', (_removed, done) => {
      const shared = node.shared;
      node.shared = undefined;
      (shared ? shared.close() : Promise.resolve()).finally(done);
    });
  }
  RED.nodes.registerType('modbus-device', ModbusDeviceNode);
}
