/** The command list. Each entry adds one subcommand (with its own --help) to the program. */
import type { Command } from 'commander';
import { register as config } from './config.ts';
import { register as demo } from './demo.ts';
import { register as start } from './start.ts';
import { register as evaluate } from './evaluate.ts';
import { register as train } from './train.ts';
import { register as probe } from './probe.ts';
import { register as simulate } from './simulate.ts';
import { register as models } from './models.ts';
import { register as bench } from './bench.ts';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  probe,
  simulate,
  demo,
  start,
  train,
  config,
  evaluate,
  bench,
  models,
];
