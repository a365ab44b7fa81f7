/** `telltale start --config gateway.yaml`: run the gateway (devices, API, Node-RED) from a configuration file. */
import { InvalidArgumentError, type Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/load.ts';
import { startFlow } from '../../host/default-flow.ts';
import { reportStartFailure, runGateway, withOverrides } from '../../runtime/run.ts';

export function register(program: Command): void {
  program
    .command('start')
    .description('run the gateway: the configured devices, the HTTP API and the Node-RED flow editor')
    .option('-c, --config <file>', 'configuration file (YAML)', 'gateway.yaml')
    .option('--api-port <port>', 'HTTP API port (overrides api.port; 0 = any free port)')
    .option('--editor-port <port>', 'Node-RED editor port (overrides editor.port; 0 = any free port)')
    .option('--data-dir <dir>', 'data directory: flows, Node-RED user dir, queues (overrides gateway.dataDir)')
    .option('--learn-windows <n>', 'seeded flow: feature windows each asset learns its baseline from before scoring', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 10) throw new InvalidArgumentError('expected a whole number of windows, at least 10');
      return n;
    }, 600)
    .addHelpText('after', [
      '',
      'A new data dir is seeded with a flow: every configured device per asset; with a tsdb: or uplink: section also',
      'features (mean, std over 16 samples, hop 4) → anomaly-score learning each asset\'s baseline from its first',
      '--learn-windows windows (only while the machine runs normally), then scoring → alerts through the gateway\'s',
      'InfluxDB and uplink. An existing flow is never overwritten: configured assets no tab reads get their pipeline on the',
      'managed tab "Telltale: added devices". Stops cleanly on SIGINT/SIGTERM.',
    ].join('\n'))
    .action(async (opts: { config: string; apiPort?: string; editorPort?: string; dataDir?: string; learnWindows: number }) => {
      let config;
      try {
        config = withOverrides(loadConfig(opts.config), opts);
      } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        process.exitCode = e instanceof ConfigError ? 2 : 1;
        return;
      }
      const cfg = config;
      await runGateway({ config, seedFlow: () => startFlow(cfg, { learnWindows: opts.learnWindows }), flowFor: (devices) => startFlow({ ...cfg, devices }, { learnWindows: opts.learnWindows }) })
        .catch((err: unknown) => reportStartFailure('start', err));
    });
}
