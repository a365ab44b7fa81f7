/**
 * The plant simulator: a plant model (pump station, synthetic scale plant or a replayed recording) ticking at a
 * fixed rate, served over Modbus TCP (our RegisterBank server) and optionally OPC UA. Used in-process by
 * `telltale demo`, the tests and the benchmarks, and by `telltale simulate`.
 */
import type { WordOrder } from '../acquisition/modbus/codec.ts';
import type { DeviceConfig, GatewayConfig } from '../config/schema.ts';
import { simulatorDevices, simulatorGatewayConfig, type GatewayConfigOptions, type SimulatorEndpoints } from './gateway-config.ts';
import { RegisterBank, startModbusTcpServer, type ModbusServer, type ModbusServerStats } from './modbus-server/index.ts';
import { startPlantOpcUaServer, type PlantOpcUaServer } from './opcua-server/index.ts';
import { PumpStation } from './plant/pump-station.ts';
import { ReplayPlant } from './plant/replay.ts';
import { SyntheticPlant } from './plant/synthetic.ts';
import type { FaultKind, FaultOptions, GroundTruth, Plant, ScheduledFault } from './plant/types.ts';
import { RegisterMap } from './register-map.ts';

export { FAULT_CODES, FAULT_KINDS, plantValue, type FaultKind, type FaultOptions, type GroundTruth, type Plant, type ScheduledFault, type SignalSpec } from './plant/types.ts';
export { PumpStation, PUMP_SIGNALS } from './plant/pump-station.ts';
export { ReplayPlant } from './plant/replay.ts';
export { SyntheticPlant } from './plant/synthetic.ts';
export { RegisterMap } from './register-map.ts';
export { loadFaultSchedule, parseFaultSchedule, FaultFileError } from './faults-file.ts';
export type { GatewayConfigOptions } from './gateway-config.ts';

export interface SimulatorOptions {
  /** Interface both servers listen on (default 127.0.0.1). */
  host?: string;
  /** Modbus TCP port; 0 (default) picks a free one. */
  modbusPort?: number;
  /** The plant's Modbus unit id (default 1). */
  unitId?: number;
  /** Word/byte order of the float32 and int16 values (default ABCD). */
  order?: WordOrder;
  /** Serve OPC UA too (port 0 picks a free one); off by default. */
  opcua?: false | { port: number; pkiDir?: string };
  /** Pump station: number of pumps (default 3). Scale mode: number of assets. */
  assets?: number;
  /** Scale mode: this many synthetic float32 tags per asset. */
  tagsPerAsset?: number;
  /** Ticks per second (default 10). */
  rate?: number;
  /** Replay mode: a SKAB-format CSV file or directory. */
  replay?: string;
  /** Replay: recorded seconds per second (default 1). */
  speed?: number;
  /** Replay: start over at the end (default) or hold the last row. */
  loop?: boolean;
  faults?: readonly ScheduledFault[];
  seed?: number;
  /** false: no timer; the caller advances the plant with step() (deterministic tests and benchmarks). */
  run?: boolean;
}

export interface SimulatorStats {
  ticks: number;
  /** Ticks dropped because the event loop fell more than a second behind. */
  droppedTicks: number;
  modbus: ModbusServerStats;
}

export interface Simulator {
  host: string;
  modbusPort: number;
  unitId: number;
  opcuaEndpoint?: string;
  rate: number;
  plant: Plant;
  map: RegisterMap;
  bank: RegisterBank;
  injectFault(asset: string, kind: FaultKind, opts?: FaultOptions): void;
  clearFault(asset: string): void;
  groundTruth(): GroundTruth[];
  /** A complete, valid GatewayConfig whose devices read this simulator. */
  gatewayConfig(opts?: GatewayConfigOptions): GatewayConfig;
  /** Just the devices of gatewayConfig(), to merge into another configuration. */
  devices(opts?: GatewayConfigOptions): DeviceConfig[];
  /** Advances the plant by `ticks` ticks of 1/rate s and publishes the result. */
  step(ticks?: number): void;
  stats(): SimulatorStats;
  close(): Promise<void>;
}

export function createPlant(opts: SimulatorOptions): Plant {
  if (opts.replay !== undefined) {
    // A replay's assets, signals and ground truth all come from the recording.
    if (opts.tagsPerAsset !== undefined) throw new RangeError('replay and tags-per-asset exclude each other: a replay serves the recording\'s columns');
    if (opts.assets !== undefined) throw new RangeError('replay and assets exclude each other: a replay has one asset per file');
    if (opts.faults !== undefined && opts.faults.length > 0) throw new RangeError('replay and faults exclude each other: a replay\'s ground truth is its anomaly column');
    return new ReplayPlant({ path: opts.replay, speed: opts.speed, loop: opts.loop });
  }
  if (opts.tagsPerAsset !== undefined) {
    return new SyntheticPlant({ assets: opts.assets ?? 3, tagsPerAsset: opts.tagsPerAsset, seed: opts.seed, faults: opts.faults });
  }
  return new PumpStation({ assets: opts.assets, seed: opts.seed, faults: opts.faults });
}

/**
 * The gateway config for a simulator started with these options, without starting it (`--print-config`):
 * the Modbus port is the one asked for (0 is not a port a gateway can dial, so it becomes 5020).
 */
export function plannedGatewayConfig(opts: SimulatorOptions, config: GatewayConfigOptions = {}): GatewayConfig {
  const plant = createPlant(opts);
  const map = new RegisterMap(plant, opts.order ?? 'ABCD');
  const host = dialable(opts.host ?? '127.0.0.1');
  const opcuaEndpoint = opts.opcua ? `opc.tcp://${host}:${opts.opcua.port}` : undefined;
  return simulatorGatewayConfig(plant, map, { host, modbusPort: opts.modbusPort || 5020, unitId: opts.unitId ?? 1, order: opts.order ?? 'ABCD', opcuaEndpoint }, config);
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const rate = opts.rate ?? 10;
  if (!(rate > 0 && rate <= 10_000)) throw new RangeError(`rate: expected ticks per second in (0, 10000], got ${opts.rate}`);
  const host = opts.host ?? '127.0.0.1';
  const unitId = opts.unitId ?? 1;
  const order = opts.order ?? 'ABCD';
  const plant = createPlant(opts);
  const map = new RegisterMap(plant, order);
  const bank = new RegisterBank();
  map.write(bank);
  const modbus: ModbusServer = await startModbusTcpServer({ host, port: opts.modbusPort ?? 0, units: new Map([[unitId, bank]]), unknownUnit: 'exception' });
  let opcua: PlantOpcUaServer | undefined;
  try {
    if (opts.opcua) opcua = await startOpcUa(plant, host, opts.opcua);
  } catch (e) {
    await modbus.close();
    throw e;
  }
  const endpoints: SimulatorEndpoints = { host: dialable(host), modbusPort: modbus.port, unitId, order, opcuaEndpoint: opcua?.endpointUrl };
  let ticks = 0;
  let droppedTicks = 0;
  const dt = 1 / rate;

  const publish = (): void => {
    map.write(bank);
    if (opcua) publishOpcUa(plant, opcua);
  };
  const step = (n = 1): void => {
    for (let i = 0; i < n; i++) plant.step(dt);
    ticks += n;
    publish();
  };

  // Fixed-step clock: the plant advances exactly 1/rate per tick (deterministic per seed); late timers catch up.
  let timer: NodeJS.Timeout | undefined;
  if (opts.run !== false) {
    const t0 = performance.now();
    timer = setInterval(() => {
      let due = Math.floor(((performance.now() - t0) / 1000) * rate) - droppedTicks - ticks;
      if (due > rate) {
        droppedTicks += due - Math.ceil(rate);
        due = Math.ceil(rate);
      }
      if (due > 0) step(due);
    }, Math.max(1, 1000 / rate));
  }

  return {
    host,
    modbusPort: modbus.port,
    unitId,
    opcuaEndpoint: opcua?.endpointUrl,
    rate,
    plant,
    map,
    bank,
    injectFault: (asset, kind, o) => {
      plant.injectFault(asset, kind, o);
      publish();
    },
    clearFault: (asset) => {
      plant.clearFault(asset);
      publish();
    },
    groundTruth: () => plant.groundTruth(),
    gatewayConfig: (o) => simulatorGatewayConfig(plant, map, endpoints, o),
    devices: (o) => simulatorDevices(plant, map, endpoints, o),
    step,
    stats: () => ({ ticks, droppedTicks, modbus: modbus.stats }),
    close: async () => {
      if (timer) clearInterval(timer);
      await Promise.allSettled([modbus.close(), opcua?.close()]);
    },
  };
}

/** A gateway cannot usefully dial a wildcard listen address; on the same machine loopback reaches it. */
function dialable(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
}

async function startOpcUa(plant: Plant, host: string, o: { port: number; pkiDir?: string }): Promise<PlantOpcUaServer> {
  const m = plant.signals.length;
  const variables = plant.assets.flatMap((asset, a) => [
    ...plant.signals.map((s, k) => ({
      asset, name: s.name, unit: s.unit,
      range: s.kind === 'analog' ? s.range : undefined,
      initial: s.kind === 'bool' ? plant.values[a * m + k] !== 0 : plant.values[a * m + k],
    })),
    { asset, name: 'fault_active', initial: plant.faultCode[a] !== 0 },
    { asset, name: 'fault_code', initial: plant.faultCode[a] },
  ]);
  return startPlantOpcUaServer({ host, port: o.port, variables, pkiDir: o.pkiDir });
}

function publishOpcUa(plant: Plant, server: PlantOpcUaServer): void {
  const ts = new Date(plant.nowMs());
  const m = plant.signals.length;
  for (let a = 0; a < plant.assets.length; a++) {
    const asset = plant.assets[a];
    for (let k = 0; k < m; k++) {
      const s = plant.signals[k];
      const x = plant.values[a * m + k];
      server.set(asset, s.name, s.kind === 'bool' ? x !== 0 : x, ts);
    }
    server.set(asset, 'fault_active', plant.faultCode[a] !== 0, ts);
    server.set(asset, 'fault_code', plant.faultCode[a], ts);
  }
}
