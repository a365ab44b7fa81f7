/** The `telltale` command line. Each command lives in commands/<name>.ts and is listed in commands/index.ts. */
import { Command } from 'commander';
import { ConfigError } from '../config/errors.ts';
import { packageVersion } from '../core/package-root.ts';
import { EXIT_CONFIG_ERROR } from './commands/config.ts';
import { loadCommands } from './commands/index.ts';

/**
 * The program with the commands `argv` needs (see loadCommands: only the command it names, so `telltale start`
 * does not load the libraries of the others); without argv, every command.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command('telltale')
    .description('Telltale — predictive-maintenance edge gateway (Modbus, OPC UA, ONNX anomaly detection, Node-RED)')
    .version(packageVersion)
    .showHelpAfterError();
  for (const register of await loadCommands(argv)) register(program);
  return program;
}

/**
 * Runs the CLI. A ConfigError from any command prints its problems (no stack: the message is the report) and
 * exits with code 2, as `telltale config check` does; other errors are bugs and keep their stack.
 */
export async function main(argv: string[], program?: Command): Promise<void> {
  try {
    await (program ?? await buildProgram(argv)).parseAsync(argv);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exitCode = EXIT_CONFIG_ERROR;
  }
}
