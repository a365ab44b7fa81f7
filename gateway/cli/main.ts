/** The `telltale` command line. Each command lives in commands/<name>.ts and is listed in commands/index.ts. */
import { Command } from 'commander';
import { packageVersion } from '../core/package-root.ts';
import { commands } from './commands/index.ts';

export function buildProgram(): Command {
  const program = new Command('telltale')
    .description('Telltale — predictive-maintenance edge gateway (Modbus, OPC UA, ONNX anomaly detection, Node-RED)')
    .version(packageVersion)
    .showHelpAfterError();
  for (const register of commands) register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
