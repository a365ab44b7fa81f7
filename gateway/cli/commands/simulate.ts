/** `telltale simulate`: serve the simulated pump station (or a scale plant, or a replayed recording) over Modbus TCP and OPC UA. */
import { InvalidArgumentError, type Command } from 'commander';
import { stringify } from 'yaml';
import { WORD_ORDERS } from '../../acquisition/modbus/config.ts';
import type { WordOrder } from '../../acquisition/modbus/codec.ts';
import { createInterface } from 'node:readline';
import { CONSOLE_HELP, describeGroundTruth, runConsoleCommand } from '../../simulator/console.ts';
import { loadFaultSchedule, plannedGatewayConfig, startSimulator, type Simulator, type SimulatorOptions } from '../../simulator/index.ts';

interface SimulateOptions {
  host: string;
  modbusPort: number;
  unitId: number;
  order: WordOrder;
  opcuaPort: number;
  opcua: boolean;
  assets?: number;
  tagsPerAsset?: number;
  rate: number;
  replay?: string;
  speed: number;
  loop: boolean;
  faults?: string;
  seed: number;
  printConfig?: boolean;
  withGroundTruth?: boolean;
}

/** Exit code for bad options or input files (1 stays for unexpected failures). */
const EXIT_BAD_INPUT = 2;

const integer = (name: string, min: number, max: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name}: expected a whole number ${min}..${max}, got "${v}"`);
  return n;
};
const positive = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name}: expected a number > 0, got "${v}"`);
  return n;
};
const order = (v: string): WordOrder => {
  if (!(WORD_ORDERS as readonly string[]).includes(v)) throw new InvalidArgumentError(`--order: expected one of ${WORD_ORDERS.join(', ')}, got "${v}"`);
  return v as WordOrder;
};

function simulatorOptions(o: SimulateOptions): SimulatorOptions {
  return {
    host: o.host, modbusPort: o.modbusPort, unitId: o.unitId, order: o.order,
    opcua: o.opcua && !o.printConfig ? { port: o.opcuaPort } : false,
    assets: o.assets, tagsPerAsset: o.tagsPerAsset, rate: o.rate,
    replay: o.replay, speed: o.speed, loop: o.loop,
    faults: o.faults === undefined ? undefined : loadFaultSchedule(o.faults),
    seed: o.seed,
  };
}

/** What the simulator serves, for the terminal. */
export function describe(sim: Simulator): string[] {
  const { plant, map } = sim;
  const what = plant.kind === 'replay' ? 'replay' : plant.kind === 'synthetic' ? 'scale plant' : 'pump station';
  const names = plant.assets.length <= 6 ? plant.assets.join(', ') : `${plant.assets.slice(0, 3).join(', ')} … ${plant.assets.at(-1)}`;
  const analog = map.analog.length;
  const lines = [
    `Telltale plant simulator: ${what}, ${plant.assets.length} asset(s) (${names}), ${plant.signals.length} signals each, ${sim.rate} ticks/s`,
    `  Modbus TCP  ${sim.host}:${sim.modbusPort} unit ${sim.unitId}: per asset float32 ${map.order} in holding registers, scaled int16 in input registers,`,
    `              fault_code (uint16) after the floats, fault_active = discrete input 0 of the asset's block`,
  ];
  for (const b of map.blocks.slice(0, 6)) {
    lines.push(`    ${b.asset.padEnd(12)} holding ${b.holding}..${b.holding + 2 * analog} (fault_code ${b.holding + map.faultCodeOffset})  input ${b.input}..${b.input + analog - 1}  discrete ${b.discrete}..${b.discrete + map.bools.length}`);
  }
  if (map.blocks.length > 6) lines.push(`    … ${map.blocks.length - 6} more, same layout`);
  if (plant.kind !== 'synthetic') lines.push(`  Signals     ${plant.signals.map((s) => (s.unit ? `${s.name} [${s.unit}]` : s.name)).join(', ')}`);
  lines.push(sim.opcuaEndpoint ? `  OPC UA      ${sim.opcuaEndpoint}  nodeIds ns=1;s=<asset>.<signal>` : '  OPC UA      off');
  lines.push('  Gateway config for this map: telltale simulate --print-config (same options)', 'Ctrl-C stops.');
  return lines;
}

async function run(o: SimulateOptions): Promise<void> {
  const opts = simulatorOptions(o);
  if (o.printConfig) {
    process.stdout.write(stringify(plannedGatewayConfig(opts, { groundTruth: o.withGroundTruth }), { lineWidth: 0 }));
    return;
  }
  const sim = await startSimulator(opts);
  process.stdout.write(`${describe(sim).join('\n')}\n`);
  if (o.replay !== undefined && o.speed > o.rate) {
    // SKAB rows are ~1 s apart: more recorded seconds per tick than that and rows are skipped on the wire.
    process.stdout.write(`note: --speed ${o.speed} at --rate ${o.rate} serves only about every ${Math.ceil(o.speed / o.rate)}th row of 1-s data; use --rate ${Math.ceil(o.speed)} to serve them all\n`);
  }
  // Report ground-truth changes (scheduled faults starting and ending) once a second.
  let last = sim.groundTruth().map((g) => g.code);
  const watch = setInterval(() => {
    const now = sim.groundTruth();
    now.forEach((g, a) => {
      if (g.code !== last[a]) process.stdout.write(`${g.active ? 'fault ON  ' : 'fault OFF '}${describeGroundTruth(g)}\n`);
    });
    last = now.map((g) => g.code);
  }, 1000);
  // At a terminal, operators inject and clear faults by typing commands.
  const rl = process.stdin.isTTY ? createInterface({ input: process.stdin, output: process.stdout, prompt: 'sim> ' }) : undefined;
  if (rl) {
    process.stdout.write(`${CONSOLE_HELP}\n`);
    rl.on('line', (line) => {
      const answer = runConsoleCommand(sim, line);
      if (answer) process.stdout.write(`${answer}\n`);
      rl.prompt();
    });
    rl.prompt();
  }
  await new Promise<void>((resolve) => {
    let stopped = false;
    const stop = (signal: string): void => {
      if (stopped) return;
      stopped = true;
      process.stdout.write(`\n${signal}: stopping the simulator (${sim.stats().ticks} ticks, ${sim.stats().modbus.requests} Modbus requests served)\n`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    // readline takes Ctrl-C (and Ctrl-D closes it) at a terminal; both stop the simulator.
    rl?.once('SIGINT', () => stop('SIGINT'));
    rl?.once('close', () => stop('end of input'));
  });
  rl?.close();
  clearInterval(watch);
  await sim.close();
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('serve a simulated pump station (or a scale plant, or a replayed SKAB recording) over Modbus TCP and OPC UA')
    .option('--host <address>', 'interface to listen on', '127.0.0.1')
    .option('--modbus-port <port>', 'Modbus TCP port', integer('--modbus-port', 1, 65535), 5020)
    .option('--unit-id <id>', 'Modbus unit id of the plant', integer('--unit-id', 0, 255), 1)
    .option('--order <order>', `word/byte order of the values (${WORD_ORDERS.join(', ')})`, order, 'ABCD')
    .option('--opcua-port <port>', 'OPC UA port', integer('--opcua-port', 1, 65535), 4840)
    .option('--no-opcua', 'serve Modbus only')
    .option('--assets <n>', 'number of assets (pump station default 3)', integer('--assets', 1, 10_000))
    .option('--tags-per-asset <m>', 'scale mode: M synthetic float32 tags per asset', integer('--tags-per-asset', 1, 10_000))
    .option('--rate <hz>', 'ticks per second', positive('--rate'), 10)
    .option('--replay <path>', 'serve a SKAB-format CSV file, or a directory of them (one asset per file)')
    .option('--speed <n>', 'replay: recorded seconds per second', positive('--speed'), 1)
    .option('--no-loop', 'replay: hold the last row at the end instead of starting over')
    .option('--faults <file.yaml>', 'fault schedule: faults: [{ asset, kind, atS, durationS?, severity?, rampS? }]')
    .option('--seed <n>', 'random seed (same seed, same signals)', integer('--seed', 0, 2 ** 32 - 1), 1)
    .option('--print-config', 'print the gateway YAML (devices and tags) that reads this simulator, and exit')
    .option('--with-ground-truth', 'with --print-config: add each asset\'s fault_active and fault_code tags')
    .addHelpText('after', [
      '',
      'Fault kinds: bearing-wear, cavitation, valve-closing, imbalance (fault_code 1..4; 100 = a replay\'s anomaly label).',
      '',
      'Examples:',
      '  telltale simulate                                    3 pumps on Modbus 127.0.0.1:5020 and OPC UA :4840',
      '  telltale simulate --faults faults.yaml --seed 7      with a fault schedule, reproducible',
      '  telltale simulate --print-config > gateway.yaml      the gateway configuration that reads it',
      '  telltale simulate --replay ../shared/datasets/skab/valve1 --speed 10 --no-opcua',
      '  telltale simulate --assets 50 --tags-per-asset 100 --rate 10 --no-opcua   5000 tags for benchmarks',
    ].join('\n'))
    .action(async (o: SimulateOptions) => {
      try {
        await run(o);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const known = err.name === 'FaultFileError' || err.name === 'DatasetError' || e instanceof RangeError || err.code === 'EADDRINUSE' || err.code === 'EACCES';
        if (!known) throw e;
        process.stderr.write(`telltale simulate: ${err.code === 'EADDRINUSE' ? `port in use: ${err.message}` : err.message}\n`);
        process.exitCode = EXIT_BAD_INPUT;
      }
    });
}
