/**
 * `telltale demo`: the simulated pump station (or a replayed recording) and the gateway in one process, with the
 * default flow — sources → features → scoring → InfluxDB + cloud uplink. Without --influx-url/--mqtt-url it still
 * runs and says plainly what is not connected.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { FAULT_KINDS, startSimulator, type FaultKind, type Simulator } from '../../simulator/index.ts';
import { describeGroundTruth } from '../../simulator/console.ts';
import { validateConfig } from '../../config/load.ts';
import { defaultFlow, learningScoreFields } from '../../host/default-flow.ts';
import { onFirstGoodSample } from '../../runtime/first-sample.ts';
import { DeviceRegistry } from '../../runtime/registry.ts';
import { parsePort, reportStartFailure, runGateway, withOverrides } from '../../runtime/run.ts';
import { packageRoot } from '../../core/package-root.ts';

interface DemoOptions {
  apiPort: string;
  editorPort: string;
  dataDir: string;
  host: string;
  simModbusPort: string;
  simOpcuaPort: string;
  influxUrl?: string;
  mqttUrl?: string;
  replay?: string;
  speed?: number;
  fault: { asset: string; kind: FaultKind };
  faultAfter?: number;
  pollInterval: number;
  window: number;
  summaryPeriod: number;
  learnWindows: number;
}

const SITE = 'demo';
/** The pumps' mechanical and hydraulic signals: temperatures still warm up while the baseline is learnt (thermal lag). */
const PUMP_TAGS = 'vibration_de,vibration_nde,vibration_1x,motor_current,discharge_pressure,flow';
const GATEWAY = 'telltale-demo';
/** Seconds from onset to full severity of an injected fault: short, so the demo shows an alert within a minute. */
const FAULT_RAMP_S = 5;

const positive = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name}: expected a positive number (got "${v}")`);
  return n;
};

function parseFault(v: string): { asset: string; kind: FaultKind } {
  const [asset, kind] = v.split(':');
  if (!asset || !(FAULT_KINDS as readonly string[]).includes(kind ?? '')) {
    throw new InvalidArgumentError(`--fault: expected <asset>:<kind> with kind one of ${FAULT_KINDS.join(', ')} (got "${v}")`);
  }
  return { asset, kind: kind as FaultKind };
}

/** Node-RED fills `${VAR}` node fields from the environment at start, so a kept flow follows this run's flags. */
function connectOutputs(opts: DemoOptions): string[] {
  process.env.TELLTALE_INFLUX_URL = opts.influxUrl ?? process.env.TELLTALE_INFLUX_URL ?? '';
  process.env.TELLTALE_MQTT_URL = opts.mqttUrl ?? process.env.TELLTALE_MQTT_URL ?? '';
  const influx = process.env.TELLTALE_INFLUX_URL;
  const mqtt = process.env.TELLTALE_MQTT_URL;
  return [
    influx ? `  InfluxDB:     ${influx} (samples, features, scores, alerts; disk queue while it is down)`
      : '  InfluxDB:     NOT CONNECTED (no --influx-url): samples, features and scores are not stored',
    mqtt ? `  Cloud uplink: ${mqtt} topics telltale/${SITE}/${GATEWAY}/{alerts,summaries,status} (durable outbox)`
      : '  Cloud uplink: NOT CONNECTED (no --mqtt-url): alerts and summaries are not sent to the cloud',
  ];
}

/** A usage error found in the action: one line on stderr and exit code 2, like commander's own option errors. */
function usage(message: string): void {
  process.stderr.write(`telltale demo: ${message}\n`);
  process.exitCode = 2;
}

/** The anomaly-score node ships in this package once it is listed in package.json (node-red.nodes). */
function scoringInstalled(): boolean {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { 'node-red'?: { nodes?: Record<string, string> } };
  return pkg['node-red']?.nodes?.['anomaly-score'] !== undefined;
}

function scheduleFault(sim: Simulator, opts: DemoOptions): (() => void) | undefined {
  if (opts.faultAfter === undefined) return undefined;
  if (!sim.plant.assets.includes(opts.fault.asset)) {
    throw new Error(`--fault: no asset "${opts.fault.asset}" in the plant (assets: ${sim.plant.assets.join(', ')})`);
  }
  const timer = setTimeout(() => {
    sim.injectFault(opts.fault.asset, opts.fault.kind, { rampS: FAULT_RAMP_S });
    const truth = sim.groundTruth().find((g) => g.asset === opts.fault.asset)!;
    process.stdout.write(`Fault injected at ${new Date().toISOString()}: ${describeGroundTruth(truth)}\n`);
  }, opts.faultAfter * 1000);
  return () => clearTimeout(timer);
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the plant simulator and the gateway with a ready-made flow (features, scores, InfluxDB, cloud uplink)')
    .option('--api-port <port>', 'HTTP API port (0 = any free port)', '8080')
    .option('--editor-port <port>', 'Node-RED editor port (0 = any free port)', '1880')
    .option('--data-dir <dir>', 'data directory for the flow and the Node-RED user dir', './data/demo')
    .option('--host <address>', 'address the API and the editor listen on', '127.0.0.1')
    .option('--sim-modbus-port <port>', 'simulator Modbus TCP port (recorded in the seeded flow)', '5020')
    .option('--sim-opcua-port <port>', 'simulator OPC UA port (recorded in the seeded flow)', '4840')
    .option('--influx-url <url>', 'InfluxDB 1.x to buffer into, e.g. http://127.0.0.1:8086/telltale (env TELLTALE_INFLUX_URL)')
    .option('--mqtt-url <url>', 'MQTT broker for alerts and summaries, e.g. mqtt://127.0.0.1:1883 (env TELLTALE_MQTT_URL)')
    .option('--replay <path>', 'serve a recorded SKAB-format CSV file or directory instead of the simulated pumps')
    .option('--speed <n>', 'replay: recorded seconds per second', positive('--speed'))
    .option('--fault <asset:kind>', `fault --fault-after injects (kinds: ${FAULT_KINDS.join(', ')})`, parseFault, { asset: 'pump-2', kind: 'valve-closing' })
    .option('--fault-after <s>', 'inject the --fault this many seconds after start', positive('--fault-after'))
    .option('--poll-interval <ms>', 'device poll interval (recorded in the seeded flow)', positive('--poll-interval'), 250)
    .option('--window <n>', 'samples per feature window (hop = a quarter; recorded in the seeded flow)', positive('--window'), 16)
    .option('--summary-period <s>', 'per-asset summary period of the uplink (recorded in the seeded flow)', positive('--summary-period'), 60)
    .option('--learn-windows <n>', 'feature windows of normal operation each asset learns its baseline from (recorded in the seeded flow)', positive('--learn-windows'), 240)
    .addHelpText('after', [
      '',
      'The flow is seeded on the first run of a data dir and kept afterwards (it records the simulator ports and',
      'the options marked so); delete the dir to start over. InfluxDB and MQTT URLs are read at every start.',
      'Stops cleanly on SIGINT/SIGTERM.',
      '',
      'Examples:',
      '  telltale demo --influx-url http://127.0.0.1:8086/telltale --mqtt-url mqtt://127.0.0.1:1883 --fault-after 180',
      '  telltale demo --replay ../shared/datasets/skab/valve1 --speed 10 --mqtt-url mqtt://127.0.0.1:1883',
    ].join('\n'))
    .action(async (opts: DemoOptions) => {
      const t0 = performance.now();
      const config = withOverrides(validateConfig({ gateway: { id: GATEWAY, site: SITE } }), opts);
      const dataDir = resolve(config.gateway.dataDir);
      if (opts.replay !== undefined && !existsSync(opts.replay)) return usage(`--replay: no such file or directory: ${opts.replay}`);
      if (opts.replay !== undefined && opts.faultAfter !== undefined) return usage('--fault-after: a replay\'s faults are its recorded anomalies');
      const outputs = connectOutputs(opts);
      let sim: Simulator;
      try {
        sim = await startSimulator({
          host: '127.0.0.1',
          modbusPort: parsePort(opts.simModbusPort, '--sim-modbus-port'),
          opcua: { port: parsePort(opts.simOpcuaPort, '--sim-opcua-port'), pkiDir: join(dataDir, 'simulator-pki') },
          ...(opts.replay === undefined ? {} : { replay: opts.replay, ...(opts.speed === undefined ? {} : { speed: opts.speed }) }),
        });
      } catch (err) {
        return reportStartFailure('demo', err, 'the simulator cannot start');
      }
      let cancelFault: (() => void) | undefined;
      try {
        cancelFault = scheduleFault(sim, opts);
      } catch (err) {
        await sim.close();
        return usage((err as Error).message);
      }
      try {
        const devices = sim.devices({ protocols: ['modbus', 'opcua'], pollIntervalMs: opts.pollInterval });
        const registry = new DeviceRegistry();
        onFirstGoodSample(registry, (device, asset) => {
          process.stdout.write(`First good sample from ${device}/${asset} ${Math.round(performance.now() - t0)} ms after start.\n`);
        });
        const scoring = scoringInstalled();
        await runGateway({
          config,
          registry,
          // The demo shows what runs; Node-RED's first-run notices (no credentials file yet …) would only confuse.
          nodeRedLogLevel: 'error',
          seedFlow: () => defaultFlow(devices, {
            opcuaFirstAssetOnly: true,
            label: opts.replay === undefined ? 'Pump station (simulated)' : 'Replay',
            pipeline: {
              site: SITE, gateway: GATEWAY, influxUrl: '${TELLTALE_INFLUX_URL}', mqttUrl: '${TELLTALE_MQTT_URL}',
              windowSize: opts.window, windowHop: Math.max(1, Math.round(opts.window / 4)), features: 'mean,std', tags: opts.replay === undefined ? PUMP_TAGS : '', summaryPeriodS: opts.summaryPeriod,
              ...(scoring ? { anomalyScore: learningScoreFields(opts.learnWindows, join(dataDir, 'models')) } : {}),
            },
          }),
          afterStop: async () => {
            cancelFault?.();
            await sim.close();
          },
          banner: () => [
            opts.replay === undefined
              ? `  Simulator:    pump station (${sim.plant.assets.join(', ')}), Modbus TCP 127.0.0.1:${sim.modbusPort}, OPC UA ${sim.opcuaEndpoint}`
              : `  Simulator:    replay of ${opts.replay} (${sim.plant.assets.join(', ')}) at ${opts.speed ?? 1}x, Modbus TCP 127.0.0.1:${sim.modbusPort}`,
            ...devices.map((d) => `  Device:       ${d.id} (${d.protocol}, ${d.tags.length} tags)`),
            ...outputs,
            scoring ? `  Scoring:      anomaly-score learns each asset's baseline from its first ${opts.learnWindows} windows, then scores`
              : '  Scoring:      NOT INSTALLED (anomaly-score node missing): features are stored and summarised, no alerts',
            ...(opts.faultAfter === undefined ? [] : [`  Fault:        ${opts.fault.asset} ${opts.fault.kind} in ${opts.faultAfter} s`]),
          ],
        });
      } catch (err) {
        cancelFault?.();
        await sim.close();
        reportStartFailure('demo', err);
      }
    });
}
