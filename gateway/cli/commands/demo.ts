/**
 * `telltale demo`: the simulated pump station (or a replayed recording) and the gateway in one process, with the
 * default flow — sources → features → scoring → InfluxDB + cloud uplink — on embedded defaults: where Debian's
 * influxd and mosquitto are installed it runs private instances of them (demo-peers.ts), it generates an API token,
 * injects a fault right after the baselines are learned, and tells the story in the terminal (demo-story.ts).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
import { INSTALL_HINT, startInfluxd, startMosquitto, type Peer, type PeerStart } from './demo-peers.ts';
import { DemoStory } from './demo-story.ts';
import type { LatestState } from '../../api/latest-state.ts';

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
  /** false with --no-fault. */
  fault: { asset: string; kind: FaultKind } | false;
  faultAfter?: number;
  faultFor: number;
  /** false with --no-peers: never start the private influxd / mosquitto. */
  peers: boolean;
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
/** Seconds of normal scoring after the last baseline is learned before the default fault: the scores settle first. */
const FAULT_SETTLE_S = 10;
/** Feature windows each asset learns from by default (4 min at the default poll and window); env TELLTALE_DEMO_LEARN_WINDOWS shortens it. */
const LEARN_WINDOWS = 240;

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

/** Where the demo's InfluxDB and broker come from: a flag or the environment, else a private instance, else none. */
interface Outputs { influxUrl: string; mqttUrl: string; lines: string[]; peers: Peer[] }

const envUrl = (name: string) => process.env[name] || undefined;

async function connectOutputs(opts: DemoOptions, dataDir: string): Promise<Outputs> {
  const given = { influx: opts.influxUrl ?? envUrl('TELLTALE_INFLUX_URL'), mqtt: opts.mqttUrl ?? envUrl('TELLTALE_MQTT_URL') };
  const [influxd, mosquitto] = await Promise.all([
    given.influx || !opts.peers ? undefined : startInfluxd(dataDir),
    given.mqtt || !opts.peers ? undefined : startMosquitto(dataDir),
  ]);
  const peers: Peer[] = [];
  const lines: string[] = [];
  const missing: string[] = [];
  const urlOf = (given: string | undefined, started: PeerStart | undefined, suffix: string, what: string): string => {
    if (given) return given;
    if (!started) return '';
    if ('peer' in started) {
      peers.push(started.peer);
      return `${started.peer.url}${suffix}`;
    }
    if ('missing' in started) missing.push(started.missing);
    else lines.push(`  ${what}: private instance did not start (${started.failed}): running without`);
    return '';
  };
  const influxUrl = urlOf(given.influx, influxd, '/telltale', 'InfluxDB');
  const mqttUrl = urlOf(given.mqtt, mosquitto, '', 'Cloud uplink');
  if (missing.length) lines.push(`  Servers:      ${missing.join(' and ')} not installed: \`${INSTALL_HINT}\` and start again to store and send (running without)`);
  // Node-RED fills `${VAR}` node fields from the environment at start, so a kept flow follows this run's choice.
  process.env.TELLTALE_INFLUX_URL = influxUrl;
  process.env.TELLTALE_MQTT_URL = mqttUrl;
  const own = (url: string) => peers.some((p) => url.startsWith(p.url));
  lines.push(
    influxUrl ? `  InfluxDB:     ${influxUrl}${own(influxUrl) ? ' (private influxd, data in <data dir>/peers/influxdb)' : ''}: samples, features, scores, alerts; disk queue while it is down`
      : `  InfluxDB:     none${opts.peers ? '' : ' (--no-peers)'}: samples, features and scores are not stored (--influx-url to use one)`,
    mqttUrl ? `  Cloud uplink: ${mqttUrl}${own(mqttUrl) ? ' (private mosquitto)' : ''} topics telltale/${SITE}/${GATEWAY}/{alerts,summaries,status} (durable outbox)`
      : `  Cloud uplink: none${opts.peers ? '' : ' (--no-peers)'}: alerts and summaries are not sent (--mqtt-url to use one)`,
  );
  return { influxUrl, mqttUrl, lines, peers };
}

/**
 * Lines the demo drops from its terminal, each a message about a choice the demo made itself: the empty URL of an
 * output it runs without (influx-write / mqtt-cloud name it once at start), node-opcua's first-run notice while it
 * makes the client certificate. Everything else (a real error included) passes.
 */
function dropNoiseLines(noInflux: boolean, noMqtt: boolean): void {
  const noise = [
    ...(noInflux ? [/\[influx-write:[^\]]*\] Error: .*\.url: Expected string length greater or equal to 1/] : []),
    ...(noMqtt ? [/\[mqtt-cloud:[^\]]*\] Error: .*\.url: Expected string length greater or equal to 1/] : []),
    /client_base_impl\s+:\d+\s+Creating default certificate/,
  ];
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write;
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      let out = chunk;
      if (typeof chunk === 'string' && noise.some((re) => re.test(chunk))) {
        const kept = chunk.split('\n').filter((l) => !noise.some((re) => re.test(l))).join('\n');
        if (!kept.trim()) return true;
        out = kept;
      }
      return (write as (...a: unknown[]) => boolean).call(this, out, ...rest);
    } as typeof stream.write;
  }
}

/**
 * The demo's API token: TELLTALE_API_TOKENS / _FILE when the user set them, else one generated on the data dir's
 * first run and kept in <dataDir>/api-token (0600), printed at every start so the printed curl lines work.
 */
function demoApiToken(dataDir: string): { token?: string; file?: string } {
  if (process.env.TELLTALE_API_TOKENS || process.env.TELLTALE_API_TOKENS_FILE) return {};
  const file = join(dataDir, 'api-token');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `# API token of telltale demo (generated ${new Date().toISOString()}); delete this file for a new one\n${randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
  }
  chmodSync(file, 0o600);
  const token = readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
  process.env.TELLTALE_API_TOKENS_FILE = file;
  return { file, ...(token ? { token } : {}) };
}

/** Grafana provisioning for this run's InfluxDB (the port is new each start) with the repository's dashboards. */
function grafanaProvisioning(dataDir: string, influxUrl: string): { dir: string; command: string } | undefined {
  if (!influxUrl) return undefined;
  const dir = join(dataDir, 'grafana');
  const dashboards = join(packageRoot, 'dashboards', 'json');
  const base = new URL(influxUrl);
  mkdirSync(join(dir, 'datasources'), { recursive: true });
  mkdirSync(join(dir, 'dashboards'), { recursive: true });
  writeFileSync(join(dir, 'datasources', 'influxdb.yaml'), ['# Written by telltale demo at every start: the demo\'s InfluxDB (its port is new each start).', 'apiVersion: 1', 'datasources:',
    '  - { name: Telltale InfluxDB, uid: telltale-influxdb, type: influxdb, access: proxy, isDefault: true,',
    `      url: "${base.protocol}//${base.host}", jsonData: { dbName: telltale, httpMode: GET, timeInterval: 1s } }`, ''].join('\n'));
  writeFileSync(join(dir, 'dashboards', 'telltale.yaml'), ['apiVersion: 1', 'providers:',
    `  - { name: telltale, folder: Telltale, type: file, disableDeletion: true, allowUiUpdates: false, options: { path: "${dashboards}" } }`, ''].join('\n'));
  // One command whether Grafana is installed or not: the official image on the host network, the dashboards at the same path.
  const command = `docker run --rm --network host -v ${dir}:/etc/grafana/provisioning:ro -v ${dashboards}:${dashboards}:ro grafana/grafana-oss:11.6.0`;
  return { dir, command };
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

interface FaultPlan {
  /** Banner line. */
  line: string;
  /** Injects now (the default plan waits for all baselines). */
  inject(): void;
  cancel(): void;
}

/** The fault: injected --fault-after s after start, or right after learning; repaired --fault-for s later so the alert closes. */
function planFault(sim: Simulator, opts: DemoOptions, write: (l: string) => void, alertOpen: (asset: string) => boolean): FaultPlan | undefined {
  if (opts.fault === false || opts.replay !== undefined) return undefined;
  const { asset, kind } = opts.fault;
  if (!sim.plant.assets.includes(asset)) {
    throw new Error(`--fault: no asset "${asset}" in the plant (assets: ${sim.plant.assets.join(', ')})`);
  }
  const timers: NodeJS.Timeout[] = [];
  let injected = false;
  const inject = () => {
    if (injected) return;
    injected = true;
    try {
      sim.injectFault(asset, kind, { rampS: FAULT_RAMP_S });
      const truth = sim.groundTruth().find((g) => g.asset === asset)!;
      write(`Fault injected at ${new Date().toISOString()}: ${describeGroundTruth(truth)} (${FAULT_RAMP_S} s ramp; repaired in ${opts.faultFor} s)`);
      timers.push(setTimeout(() => {
        try {
          sim.clearFault(asset);
          write(`Fault repaired at ${new Date().toISOString()}: ${asset} healthy again; its alert closes once the score stays below the close level`);
        } catch (err) {
          write(`Fault: cannot repair ${asset}: ${(err as Error).message}`);
        }
      }, opts.faultFor * 1000));
    } catch (err) {
      write(`Fault: cannot inject ${kind} on ${asset}: ${(err as Error).message}`);
    }
  };
  const what = `${asset} ${kind}`;
  if (opts.faultAfter !== undefined) {
    timers.push(setTimeout(inject, opts.faultAfter * 1000));
    return { line: `  Fault:        ${what} in ${opts.faultAfter} s, for ${opts.faultFor} s (--no-fault: none)`, inject: () => undefined, cancel: () => timers.forEach(clearTimeout) };
  }
  // After learning: once the scores settled, and not while an alert of that pump is open (the fault's alert would
  // merge into it); a pump that stays in alert gets the fault after a minute anyway.
  const whenQuiet = (waitedS: number) => {
    if (waitedS < 60 && alertOpen(asset)) timers.push(setTimeout(() => whenQuiet(waitedS + 1), 1000));
    else inject();
  };
  return {
    line: '',
    inject: () => { timers.push(setTimeout(() => whenQuiet(0), FAULT_SETTLE_S * 1000)); },
    cancel: () => timers.forEach(clearTimeout),
  };
}

/** What the kept flow says about learning: windows to learn, where baselines are kept, seconds per window. */
function learningPlan(flowFile: string | undefined, assets: readonly string[]): { windows: number; learned: boolean; secondsEach: number; fillS: number } | undefined {
  if (!flowFile || !existsSync(flowFile)) return undefined;
  const nodes = JSON.parse(readFileSync(flowFile, 'utf8')) as Record<string, unknown>[];
  const score = nodes.find((n) => n.type === 'anomaly-score' && n.learn === true);
  if (!score) return undefined;
  const win = nodes.find((n) => n.type === 'feature-window');
  const poll = Number(nodes.find((n) => n.type === 'modbus-read')?.intervalMs ?? 250);
  const dir = String(score.dir ?? '');
  // Bundle names as the anomaly-score node writes them (learning.ts assetDirName).
  const name = (a: string) => { const s = a.replace(/[^A-Za-z0-9_.-]/g, '_'); return /^[A-Za-z0-9_]/.test(s) ? s : `_${s}`; };
  const learned = assets.every((a) => existsSync(join(dir, name(a), `${name(a)}.manifest.json`)));
  return { windows: Number(score.learnWindows), learned, secondsEach: (Number(win?.hop ?? 4) * poll) / 1000, fillS: (Number(win?.size ?? 16) * poll) / 1000 };
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

function learnWindowsDefault(): number {
  const env = process.env.TELLTALE_DEMO_LEARN_WINDOWS;
  const n = Number(env);
  return env && Number.isInteger(n) && n > 0 ? n : LEARN_WINDOWS;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the plant simulator and the gateway with a ready-made flow (features, scores, InfluxDB, cloud uplink)')
    .option('--api-port <port>', 'HTTP API port (0 = any free port)', '8080')
    .option('--editor-port <port>', 'Node-RED editor port (0 = any free port)', '1880')
    .option('--data-dir <dir>', 'data directory for the flow, the Node-RED user dir, the learned models and the private servers', './data/demo')
    .option('--host <address>', 'address the API and the editor listen on', '127.0.0.1')
    .option('--sim-modbus-port <port>', 'simulator Modbus TCP port (recorded in the seeded flow)', '5020')
    .option('--sim-opcua-port <port>', 'simulator OPC UA port (recorded in the seeded flow)', '4840')
    .option('--influx-url <url>', 'InfluxDB 1.x to store into instead of the private influxd, e.g. http://127.0.0.1:8086/telltale (env TELLTALE_INFLUX_URL)')
    .option('--mqtt-url <url>', 'MQTT broker for alerts and summaries instead of the private mosquitto, e.g. mqtt://127.0.0.1:1883 (env TELLTALE_MQTT_URL)')
    .option('--no-peers', `do not start private influxd / mosquitto (${'/usr/bin/influxd'}, ${'/usr/sbin/mosquitto'}) when no URL is given`)
    .option('--replay <path>', 'serve a recorded SKAB-format CSV file or directory instead of the simulated pumps')
    .option('--speed <n>', 'replay: recorded seconds per second', positive('--speed'))
    .option('--fault <asset:kind>', `fault injected right after learning (kinds: ${FAULT_KINDS.join(', ')})`, parseFault, { asset: 'pump-2', kind: 'valve-closing' })
    .option('--no-fault', 'inject no fault')
    .option('--fault-after <s>', 'inject the --fault this many seconds after start instead of right after learning', positive('--fault-after'))
    .option('--fault-for <s>', 'repair the fault this many seconds after it was injected (the alert then closes)', positive('--fault-for'), 60)
    .option('--poll-interval <ms>', 'device poll interval (recorded in the seeded flow)', positive('--poll-interval'), 250)
    .option('--window <n>', 'samples per feature window (hop = a quarter; recorded in the seeded flow)', positive('--window'), 16)
    .option('--summary-period <s>', 'per-asset summary period of the uplink (recorded in the seeded flow)', positive('--summary-period'), 60)
    .option('--learn-windows <n>', 'feature windows of normal operation each asset learns its baseline from (recorded in the seeded flow; env TELLTALE_DEMO_LEARN_WINDOWS)', positive('--learn-windows'), learnWindowsDefault())
    .addHelpText('after', [
      '',
      'Where influxd and mosquitto are installed (Debian: sudo apt-get install influxdb mosquitto) the demo runs',
      'private instances on free loopback ports, data under <data-dir>/peers, stopped with the demo.',
      'The flow is seeded on the first run of a data dir and kept afterwards (it records the simulator ports and',
      'the options marked so), with the learned baselines; delete the dir to start over. InfluxDB and MQTT URLs are',
      'read at every start. Stops cleanly on SIGINT/SIGTERM with a short summary.',
      '',
      'Examples:',
      '  telltale demo --influx-url http://127.0.0.1:8086/telltale --mqtt-url mqtt://127.0.0.1:1883 --fault-after 180',
      '  telltale demo --fault pump-1:bearing-wear --fault-for 120',
      '  telltale demo --replay ../shared/datasets/skab/valve1 --speed 10 --no-peers',
    ].join('\n'))
    .action(async (opts: DemoOptions) => {
      const t0 = performance.now();
      const config = withOverrides(validateConfig({ gateway: { id: GATEWAY, site: SITE } }), opts);
      const dataDir = resolve(config.gateway.dataDir);
      const write = (line: string) => { process.stdout.write(`${line}\n`); };
      if (opts.replay !== undefined && !existsSync(opts.replay)) return usage(`--replay: no such file or directory: ${opts.replay}`);
      if (opts.replay !== undefined && opts.faultAfter !== undefined) return usage('--fault-after: a replay\'s faults are its recorded anomalies');
      let sim: Simulator;
      let outputs: Outputs;
      const stopPeers = async (o: Outputs | undefined) => { await Promise.all((o?.peers ?? []).map((p) => p.stop().catch(() => undefined))); };
      try {
        mkdirSync(dataDir, { recursive: true });
        const starting = connectOutputs(opts, dataDir);
        try {
          sim = await startSimulator({
            host: '127.0.0.1',
            modbusPort: parsePort(opts.simModbusPort, '--sim-modbus-port'),
            opcua: { port: parsePort(opts.simOpcuaPort, '--sim-opcua-port'), pkiDir: join(dataDir, 'simulator-pki') },
            ...(opts.replay === undefined ? {} : { replay: opts.replay, ...(opts.speed === undefined ? {} : { speed: opts.speed }) }),
          });
        } catch (err) {
          await stopPeers(await starting);
          throw err;
        }
        outputs = await starting;
      } catch (err) {
        return reportStartFailure('demo', err, 'the simulator cannot start');
      }
      let fault: FaultPlan | undefined;
      let gatewayRef: { latest: LatestState } | undefined;
      try {
        fault = planFault(sim, opts, write, (asset) => gatewayRef?.latest.asset(asset)?.state === 'alert');
      } catch (err) {
        await sim.close();
        await stopPeers(outputs);
        return usage((err as Error).message);
      }
      dropNoiseLines(!outputs.influxUrl, !outputs.mqttUrl);
      const token = demoApiToken(dataDir);
      const grafana = grafanaProvisioning(dataDir, outputs.influxUrl);
      let story: DemoStory | undefined;
      const root = `telltale/${SITE}/${GATEWAY}`;
      try {
        const devices = sim.devices({ protocols: ['modbus', 'opcua'], pollIntervalMs: opts.pollInterval });
        const registry = new DeviceRegistry();
        onFirstGoodSample(registry, (device, asset) => {
          write(`First good sample from ${device}/${asset} ${Math.round(performance.now() - t0)} ms after start.`);
        });
        const scoring = scoringInstalled();
        const gw = await runGateway({
          config,
          registry,
          describeOutputs: false,
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
            fault?.cancel();
            await story?.stop();
            if (story) write(story.summary().join('\n'));
            await sim.close();
            await stopPeers(outputs);
            write(`Stopped. Flow, learned baselines, queues and the servers' data are kept in ${dataDir} (delete it to start over).`);
          },
          banner: (gw) => {
            const now = Date.now();
            const plan = scoring ? learningPlan(gw.flowFile, sim.plant.assets) : undefined;
            const learnS = plan ? Math.ceil(plan.fillS + plan.windows * plan.secondsEach) : 0;
            const faultAt = now + (plan && !plan.learned ? learnS + FAULT_SETTLE_S : FAULT_SETTLE_S + 2) * 1000;
            const api = gw.apiUrl ?? '';
            const lines = [
              opts.replay === undefined
                ? `  Simulator:    pump station (${sim.plant.assets.join(', ')}), Modbus TCP 127.0.0.1:${sim.modbusPort}, OPC UA ${sim.opcuaEndpoint}`
                : `  Simulator:    replay of ${opts.replay} (${sim.plant.assets.join(', ')}) at ${opts.speed ?? 1}x, Modbus TCP 127.0.0.1:${sim.modbusPort}`,
              ...devices.map((d) => `  Device:       ${d.id} (${d.protocol}, ${d.tags.length} tags)`),
              ...outputs.lines,
              !scoring ? '  Scoring:      NOT INSTALLED (anomaly-score node missing): features are stored and summarised, no alerts'
                : !plan ? '  Scoring:      anomaly-score (kept flow without on-device learning)'
                  : plan.learned ? `  Scoring:      from the start, with the baselines learned on an earlier run (in ${dataDir}/models)`
                    : `  Learning:     each pump learns its baseline from ${plan.windows} windows (one every ${plan.secondsEach} s): until about ${clock(now + learnS * 1000)} UTC (${learnS} s), then scoring`,
              ...(fault ? [fault.line || `  Fault:        ${opts.fault && `${opts.fault.asset} ${opts.fault.kind}`} injected ${FAULT_SETTLE_S} s after learning ends (about ${clock(faultAt)} UTC), repaired ${opts.faultFor} s later (--no-fault: none)`] : []),
              'Open it:',
              ...(token.token ? [`  API token:    ${token.token}   (demo token, kept in ${token.file})`,
                `    curl -H "Authorization: Bearer $(tail -1 ${token.file})" '${api}api/v1/alerts?state=all'`]
                : ['  API token:    from TELLTALE_API_TOKENS / TELLTALE_API_TOKENS_FILE']),
              ...(outputs.influxUrl ? [`  InfluxDB:     curl -G '${new URL(outputs.influxUrl).origin}/query' --data-urlencode db=telltale --data-urlencode 'q=SELECT * FROM "summaries"."alerts" ORDER BY time DESC LIMIT 5'`] : []),
              ...(outputs.mqttUrl ? [`  MQTT:         mosquitto_sub -h ${new URL(outputs.mqttUrl).hostname} -p ${new URL(outputs.mqttUrl).port || 1883} -t '${root}/#' -v   (Debian: mosquitto-clients)`] : []),
              ...(grafana ? [`  Grafana:      ${grafana.command}   (then http://127.0.0.1:3000, admin/admin, folder Telltale; or see README "Docker")`] : []),
            ];
            return lines;
          },
        });
        gatewayRef = gw;
        story = new DemoStory({
          latest: gw.latest,
          assets: opts.replay === undefined ? sim.plant.assets : [],
          ...(outputs.influxUrl ? { influxUrl: outputs.influxUrl } : {}),
          ...(outputs.mqttUrl ? { mqtt: { url: outputs.mqttUrl, root } } : {}),
          summaryPeriodS: opts.summaryPeriod,
          write,
          onAllScoring: () => fault?.inject(),
        });
        story.start();
      } catch (err) {
        fault?.cancel();
        await story?.stop();
        await sim.close();
        await stopPeers(outputs);
        reportStartFailure('demo', err);
      }
    });
}
