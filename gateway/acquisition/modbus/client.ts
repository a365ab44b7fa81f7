/**
 * modbus-serial's client class. The package is CommonJS with an ESM-style `export default` in its typings; under
 * nodenext the class is reached through `.default` (which the package also sets at runtime).
 */
import modbusSerial from 'modbus-serial';

export const ModbusClient = modbusSerial.default;
export type ModbusClient = InstanceType<typeof ModbusClient>;
