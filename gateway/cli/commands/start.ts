/** `telltale start --config gateway.yaml`: run the gateway (devices, API, Node-RED) from a configuration file. */
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/load.ts';
import { defaultFlow } from '../../host/default-flow.ts';
import { reportStartFailure, runGateway, withOverrides } from '../../runtime/run.ts';

export function register(program: Command): void {
  program
    .command('start')
    .description('run the gateway: the configured devices, the HTTP API and the Node-RED flow editor')
    .option('-c, --config <file>', 'configuration file (YAML)', 'gateway.yaml')
    .option('--api-port <port>', 'HTTP API port (overrides api.port; 0 = any free port)')
    .option('--editor-port <port>', 'Node-RED editor port (overrides editor.port; 0 = any free port)')
    .option('--data-dir <dir>', 'data directory: flows, Node-RED user dir, queues (overrides gateway.dataDir)')
    .addHelpText('after', '\nA new data dir is seeded with a flow that shows every configured device per asset.\nStops cleanly on SIGINT/SIGTERM.')
    .action(async (opts: { config: string; apiPort?: string; editorPort?: string; dataDir?: string }) => {
      let config;
      try {
        config = withOverrides(loadConfig(opts.config), opts);
      } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        process.exitCode = e instanceof ConfigError ? 2 : 1;
        return;
      }
      const { devices, buses } = config;
      await runGateway({ config, seedFlow: () => defaultFlow(devices, { buses, label: config.gateway.site }) })
        .catch((err: unknown) => reportStartFailure('start', err));
    });
}
