/** The simulator's Modbus TCP server and the register tables it serves. */
export { RegisterBank, isBitTable, type ModbusTable } from './register-bank.ts';
export { startModbusTcpServer, EXCEPTION, type ModbusServer, type ModbusServerOptions, type ModbusServerStats } from './server.ts';
