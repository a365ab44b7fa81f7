/**
 * modbus-device: a config node owning one core ModbusDevice (TCP or RTU connection to one slave). modbus-read
 * nodes add their poll groups to it and see its connection status.
 */
import { ModbusDevice } from '../../gateway/acquisition/modbus/index.ts';
import type { NodeAPI, NodeDef, RedNode } from '../shared/red.ts';
import { ownSharedInput, type SharedInput } from '../shared/shared-input.ts';
import { modbusDeviceConfig } from './device-config.ts';

export interface ModbusDeviceNode extends RedNode {
  shared?: SharedInput<ModbusDevice>;
}

export default function (RED: NodeAPI): void {
  function ModbusDeviceNode(this: ModbusDeviceNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    this.shared = ownSharedInput(RED, this, def, ['modbus-tcp', 'modbus-rtu'], (id) => {
      const { device, bus } = modbusDeviceConfig(id, def);
      return new ModbusDevice(device, bus === undefined ? undefined : { bus });
    });
  }
  RED.nodes.registerType('modbus-device', ModbusDeviceNode);
}
