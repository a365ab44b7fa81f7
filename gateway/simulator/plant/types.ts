/** What every plant (the pump station, the synthetic scale plant, a replayed recording) offers the simulator. */

export const FAULT_KINDS = ['bearing-wear', 'cavitation', 'valve-closing', 'imbalance'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The code a fault shows in the `fault_code` holding register; 0 = healthy. */
export const FAULT_CODES: Readonly<Record<FaultKind | 'recorded', number>> = Object.freeze({
  'bearing-wear': 1,
  cavitation: 2,
  'valve-closing': 3,
  imbalance: 4,
  /** A replayed recording's own `anomaly` label. */
  recorded: 100,
});

export interface SignalSpec {
  /** Tag name (snake_case), the same for every asset. */
  name: string;
  /** Engineering unit symbol (mm/s, A, V, rpm, bar, l/min, degC). */
  unit?: string;
  /** 'bool' signals are served as discrete inputs (and OPC UA Booleans), 'analog' ones as float32 and scaled int16. */
  kind: 'analog' | 'bool';
  /** Engineering value = int16 raw × int16Scale in the input-register copy. */
  int16Scale: number;
  /** Expected span, for OPC UA EURange and plausibility. */
  range: { low: number; high: number };
}

export interface FaultOptions {
  /** Final severity, 0..1 (default 1). */
  severity?: number;
  /** Seconds from onset to full severity (default: half the duration, or 60 s when open-ended). */
  rampS?: number;
  /** Seconds the fault stays on; open-ended when omitted. */
  durationS?: number;
}

export interface ScheduledFault {
  asset: string;
  kind: FaultKind;
  /** Seconds after the simulator started. */
  atS: number;
  durationS?: number;
  severity?: number;
  rampS?: number;
}

export interface GroundTruth {
  asset: string;
  active: boolean;
  kind?: FaultKind | 'recorded';
  code: number;
  /** Onset, ms since the epoch in plant time. */
  onsetMs?: number;
  /** Severity now (0..1; ramps up after onset). */
  severity: number;
}

export interface Plant {
  readonly kind: 'pump-station' | 'synthetic' | 'replay';
  readonly assets: readonly string[];
  readonly signals: readonly SignalSpec[];
  /** Current values, assets × signals row-major (bool signals as 0/1). Updated in place by step(). */
  readonly values: Float64Array;
  /** Per asset: 0 healthy, else the FAULT_CODES entry of the active fault. */
  readonly faultCode: Uint16Array;
  /** Plant clock: ms since the epoch of the latest step. */
  nowMs(): number;
  /** Advances the plant by dtS seconds. */
  step(dtS: number): void;
  injectFault(asset: string, kind: FaultKind, opts?: FaultOptions): void;
  clearFault(asset: string): void;
  groundTruth(): GroundTruth[];
}

/** One value by asset and signal name (for tests and tools; the hot path indexes `values` directly). */
export function plantValue(plant: Plant, asset: string, signal: string): number {
  const a = plant.assets.indexOf(asset);
  if (a < 0) throw new RangeError(`unknown asset "${asset}" (have ${plant.assets.join(', ')})`);
  const s = plant.signals.findIndex((x) => x.name === signal);
  if (s < 0) throw new RangeError(`unknown signal "${signal}" (have ${plant.signals.map((x) => x.name).join(', ')})`);
  return plant.values[a * plant.signals.length + s];
}
