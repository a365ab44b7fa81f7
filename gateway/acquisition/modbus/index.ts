/** Modbus acquisition: TCP and RTU devices as pipeline Inputs, the codec, the read planner. */
export { ModbusDevice, type ModbusDeviceConfig, type ModbusDeviceOptions } from './device.ts';
export { groupsFromTags, type PollGroup } from './poll-cycle.ts';
export { planReads, describeBlock, READ_FUNCTION, type RegisterBlock, type BlockTag, type PlanLimits, type PlanItem } from './planner.ts';
export {
  decode, decodeRaw, encode, encodeRaw, encodeToRegisters, registerWidth,
  type ModbusType, type WordOrder, type CodecOptions, type DecodedValue,
} from './codec.ts';
export { EXCEPTION_NAMES, classifyFailure, type RequestFailure } from './errors.ts';
export { Backoff } from './backoff.ts';
export { ModbusClient } from './client.ts';
export { SerialLine } from './serial-line.ts';
export * from './config.ts';
