/**
 * `telltale demo`: the simulated pump station and the gateway in one process, with the default flow — a fresh
 * machine sees live data flowing through our Node-RED nodes without any configuration.
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { startSimulator } from '../../simulator/index.ts';
import { validateConfig } from '../../config/load.ts';
import { defaultFlow } from '../../host/default-flow.ts';
import { onFirstGoodSample } from '../../runtime/first-sample.ts';
import { DeviceRegistry } from '../../runtime/registry.ts';
import { parsePort, reportStartFailure, runGateway, withOverrides } from '../../runtime/run.ts';

interface DemoOptions {
  apiPort: string;
  editorPort: string;
  dataDir: string;
  host: string;
  simModbusPort: string;
  simOpcuaPort: string;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the plant simulator and the gateway with a ready-made flow (live pump-station data in Node-RED)')
    .option('--api-port <port>', 'HTTP API port (0 = any free port)', '8080')
    .option('--editor-port <port>', 'Node-RED editor port (0 = any free port)', '1880')
    .option('--data-dir <dir>', 'data directory for the flow and the Node-RED user dir', './data/demo')
    .option('--host <address>', 'address the API and the editor listen on', '127.0.0.1')
    .option('--sim-modbus-port <port>', 'simulator Modbus TCP port (recorded in the seeded flow)', '5020')
    .option('--sim-opcua-port <port>', 'simulator OPC UA port (recorded in the seeded flow)', '4840')
    .addHelpText('after', [
      '',
      'The flow is seeded on the first run of a data dir and kept afterwards (it records the simulator ports);',
      'delete the dir to start over. Stops cleanly on SIGINT/SIGTERM.',
    ].join('\n'))
    .action(async (opts: DemoOptions) => {
      const t0 = performance.now();
      const config = withOverrides(validateConfig({ gateway: { id: 'telltale-demo', site: 'demo' } }), opts);
      const dataDir = resolve(config.gateway.dataDir);
      let sim;
      try {
        sim = await startSimulator({
          host: '127.0.0.1',
          modbusPort: parsePort(opts.simModbusPort, '--sim-modbus-port'),
          opcua: { port: parsePort(opts.simOpcuaPort, '--sim-opcua-port'), pkiDir: join(dataDir, 'simulator-pki') },
        });
      } catch (err) {
        return reportStartFailure('demo', err, 'the simulator cannot start');
      }
      try {
        const devices = sim.devices({ protocols: ['modbus', 'opcua'] });
        const registry = new DeviceRegistry();
        onFirstGoodSample(registry, (device, asset) => {
          process.stdout.write(`First good sample from ${device}/${asset} ${Math.round(performance.now() - t0)} ms after start.\n`);
        });
        await runGateway({
          config,
          registry,
          // The demo shows what runs; Node-RED's first-run notices (no credentials file yet …) would only confuse.
          nodeRedLogLevel: 'error',
          seedFlow: () => defaultFlow(devices, { opcuaFirstAssetOnly: true, label: 'Pump station (simulated)' }),
          afterStop: () => sim.close(),
          banner: () => [
            `  Simulator:    pump station (${sim.plant.assets.join(', ')}), Modbus TCP 127.0.0.1:${sim.modbusPort}, OPC UA ${sim.opcuaEndpoint}`,
            ...devices.map((d) => `  Device:       ${d.id} (${d.protocol}, ${d.tags.length} tags)`),
          ],
        });
      } catch (err) {
        await sim.close();
        reportStartFailure('demo', err);
      }
    });
}
