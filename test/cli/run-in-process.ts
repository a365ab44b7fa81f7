/** Runs the telltale program in this process, capturing what it prints, without letting it exit. */
import { CommanderError, type Command } from 'commander';
import { buildProgram } from '../../gateway/cli/main.ts';

export interface InProcessRun {
  out: string;
  err: string;
  /** Commander's exit code for help/version/usage errors, else process.exitCode as the action set it. */
  code: number;
}

function quiet(cmd: Command, sink: { out: string; err: string }): void {
  cmd.exitOverride().configureOutput({ writeOut: (s) => { sink.out += s; }, writeErr: (s) => { sink.err += s; } });
  for (const sub of cmd.commands) quiet(sub, sink);
}

/** All commands below the program, as their argument paths, e.g. ['config', 'check']. */
export function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((sub) => [[...prefix, sub.name()], ...commandPaths(sub, [...prefix, sub.name()])]);
}

export async function runInProcess(args: string[]): Promise<InProcessRun> {
  const program = await buildProgram();
  const sink = { out: '', err: '' };
  quiet(program, sink);
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  // Actions write to process.stdout/stderr directly; capture them too.
  process.stdout.write = ((s: string | Uint8Array) => { sink.out += String(s); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => { sink.err += String(s); return true; }) as typeof process.stderr.write;
  const exitBefore = process.exitCode;
  process.exitCode = undefined;
  let code = 0;
  try {
    await program.parseAsync(['node', 'telltale', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode;
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    process.exitCode = exitBefore;
  }
  return { ...sink, code };
}
