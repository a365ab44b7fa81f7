/** Builds the core input of one YAML-configured device. */
import { ModbusDevice } from '../acquisition/modbus/index.ts';
import type { SerialBus } from '../acquisition/modbus/config.ts';
import { OpcUaEndpoint } from '../acquisition/opcua/index.ts';
import type { Input } from '../core/pipeline.ts';
import type { DeviceConfig } from '../config/schema.ts';

export interface DeviceContext {
  buses: readonly SerialBus[];
  /** Client PKI of OPC UA endpoints. */
  pkiDir: string;
}

export function createInput(device: DeviceConfig, ctx: DeviceContext): Input {
  switch (device.protocol) {
    case 'opcua':
      return new OpcUaEndpoint(device, { pkiDir: ctx.pkiDir });
    case 'modbus-tcp':
      return new ModbusDevice(device);
    case 'modbus-rtu': {
      const bus = ctx.buses.find((b) => b.id === device.bus);
      // The loader's cross-checks already refuse unknown buses; this guards configs built in code.
      if (!bus) throw new Error(`device "${device.id}": bus "${device.bus}" is not in buses[]`);
      return new ModbusDevice(device, { bus });
    }
  }
}
