/** `telltale config check|print`: validate a configuration file, or show it normalised with every default. */
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/load.ts';
import { printConfig } from '../../config/print.ts';
import { formatProblem } from '../../config/errors.ts';
import { configWarnings } from '../../config/warnings.ts';
import type { GatewayConfig } from '../../config/schema.ts';

/** Exit code for a configuration that does not validate (1 stays for unexpected failures). */
export const EXIT_CONFIG_ERROR = 2;

export function summarise(config: GatewayConfig): string {
  const tags = config.devices.reduce((n, d) => n + d.tags.length, 0);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `ok: ${plural(config.devices.length, 'device')}, ${plural(tags, 'tag')}`;
}

/** Loads the file or prints its problems to stderr and sets the exit code; returns undefined on error. */
function loadOrReport(file: string): GatewayConfig | undefined {
  try {
    return loadConfig(file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exitCode = EXIT_CONFIG_ERROR;
    return undefined;
  }
}

export function register(program: Command): void {
  const config = program.command('config').description('validate and show the gateway configuration file');
  config
    .command('check')
    .description('validate a configuration file (environment overrides applied); exit code 2 if it has errors, warnings on stderr')
    .option('-c, --config <file>', 'configuration file', 'gateway.yaml')
    .action((opts: { config: string }) => {
      const loaded = loadOrReport(opts.config);
      if (!loaded) return;
      // Warnings (e.g. an OPC UA password over securityMode None) go to stderr and leave the exit code 0.
      for (const w of configWarnings(loaded)) process.stderr.write(`${formatProblem(opts.config, { ...w, message: `warning: ${w.message}` })}\n`);
      process.stdout.write(`${summarise(loaded)}\n`);
    });
  config
    .command('print')
    .description('print the configuration as canonical YAML: schema order, every default filled in, passwords and URL credentials masked')
    .option('-c, --config <file>', 'configuration file', 'gateway.yaml')
    .option('--show-secrets', 'print passwords and URL credentials in clear text')
    .action((opts: { config: string; showSecrets?: boolean }) => {
      const loaded = loadOrReport(opts.config);
      if (loaded) process.stdout.write(printConfig(loaded, { showSecrets: opts.showSecrets }));
    });
}
