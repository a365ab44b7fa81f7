/** The command list. Each entry adds one subcommand (with its own --help) to the program. */
import type { Command } from 'commander';
import { register as config } from './config.ts';
import { register as evaluate } from './evaluate.ts';
import { register as train } from './train.ts';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  train,
  config,
  evaluate,
];
