/**
 * The command list: each entry loads one command module, whose register() adds the subcommand (with its own
 * --help) to the program. Loaded on demand: a command's module brings its libraries (node-opcua for probe,
 * onnxruntime for train, Node-RED for demo…), and `telltale start` should not carry the others' (~140 MB RSS).
 */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

type CommandModule = () => Promise<{ register: RegisterCommand }>;

/** In the order `telltale --help` lists them. */
export const commandModules: Readonly<Record<string, CommandModule>> = {
  probe: () => import('./probe.ts'),
  simulate: () => import('./simulate.ts'),
  demo: () => import('./demo.ts'),
  start: () => import('./start.ts'),
  train: () => import('./train.ts'),
  config: () => import('./config.ts'),
  evaluate: () => import('./evaluate.ts'),
  bench: () => import('./bench.ts'),
  models: () => import('./models.ts'),
};

/**
 * The commands a command line needs: the one it names (`argv[2]`, as process.argv), or every command when it names
 * none (`--help`, `--version`, `help start`, a typo) so help and "unknown command" read as before.
 */
export async function loadCommands(argv?: readonly string[]): Promise<RegisterCommand[]> {
  const named = argv?.[2];
  const load = named !== undefined && Object.hasOwn(commandModules, named) ? [commandModules[named]!] : Object.values(commandModules);
  return (await Promise.all(load.map((m) => m()))).map((m) => m.register);
}
