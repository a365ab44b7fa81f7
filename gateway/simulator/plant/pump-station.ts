/**
 * A pump station: each asset an induction motor driving a centrifugal pump into a pipe system.
 *
 * Physics, per step: the operating point is where the pump curve H = H0·r² − kp·Q² (affinity laws, r = n/n0)
 * meets the system curve H = Hst + ks·Q² (ks grows as a valve closes). Shaft power follows the radial pump's
 * rising power curve (∝ r³), motor current follows electric power over √3·V·cosφ plus magnetising current,
 * temperatures follow their targets with first-order lags, and every signal carries coloured noise.
 * Faults bend this model: bearing wear (broadband vibration, friction, heat), cavitation (head breakdown with
 * fluctuation, broadband vibration), a closing valve (ks up: flow and power down, pressure up), imbalance (1×).
 */
import { SimulatedPlant } from './simulated.ts';
import { ColouredNoise, SeededRandom } from './random.ts';
import type { Plant, ScheduledFault, SignalSpec } from './types.ts';

export const PUMP_SIGNALS: readonly SignalSpec[] = Object.freeze([
  { name: 'vibration_de', unit: 'mm/s', kind: 'analog', int16Scale: 0.01, range: { low: 0, high: 20 } },
  { name: 'vibration_nde', unit: 'mm/s', kind: 'analog', int16Scale: 0.01, range: { low: 0, high: 20 } },
  { name: 'vibration_1x', unit: 'mm/s', kind: 'analog', int16Scale: 0.01, range: { low: 0, high: 20 } },
  { name: 'motor_current', unit: 'A', kind: 'analog', int16Scale: 0.01, range: { low: 0, high: 40 } },
  { name: 'voltage', unit: 'V', kind: 'analog', int16Scale: 0.1, range: { low: 0, high: 480 } },
  { name: 'speed', unit: 'rpm', kind: 'analog', int16Scale: 1, range: { low: 0, high: 3200 } },
  { name: 'discharge_pressure', unit: 'bar', kind: 'analog', int16Scale: 0.001, range: { low: 0, high: 8 } },
  { name: 'flow', unit: 'l/min', kind: 'analog', int16Scale: 0.1, range: { low: 0, high: 2500 } },
  { name: 'winding_temperature', unit: 'degC', kind: 'analog', int16Scale: 0.01, range: { low: 0, high: 150 } },
  { name: 'fluid_temperature', unit: 'degC', kind: 'analog', int16Scale: 0.01, range: { low: 0, high: 100 } },
  { name: 'running', kind: 'bool', int16Scale: 1, range: { low: 0, high: 1 } },
] as const satisfies readonly SignalSpec[]);

// Signal indices into each asset's row of `values`.
const VIB_DE = 0, VIB_NDE = 1, VIB_1X = 2, CURRENT = 3, VOLTAGE = 4, SPEED = 5, PRESSURE = 6, FLOW = 7, T_WINDING = 8, T_FLUID = 9, RUNNING = 10;
const S = PUMP_SIGNALS.length;
// Noise channels per asset.
const N_CAV = 0, N_PRESS = 1, N_FLOW = 2, N_VOLT = 3, N_CURR = 4, N_DE = 5, N_NDE = 6, N_1X = 7, N_TW = 8, N_TF = 9, N_CHANNELS = 10;

const RHO = 1000; // kg/m³, water
const G = 9.81;
const CP = 4186; // J/(kg·K)
const SYNC_RPM = 3000; // 2-pole motor on 50 Hz
const RATED_SLIP = 0.035;
const RATED_POWER_W = 11_000;
const RATED_CURRENT_A = 21;
const MOTOR_EFFICIENCY = 0.92;
const POWER_FACTOR = 0.86;
const MAINS_V = 400;
const Q_NOMINAL = 0.025; // m³/s = 1500 l/min at the design point
const WINDING_TAU_S = 300;
const FLUID_TAU_S = 600;
/** The pumped loop recirculates through a small tank, so losses heat the fluid this much faster than one pass. */
const LOOP_HEATING = 20;

/** Per-asset constants, drawn once from the seed so pumps differ a little. */
interface PumpParams {
  h0: number; hStatic: number; kPump: number; kSystem: number; pBep: number; pSuction: number;
  vibDe: number; vibNde: number; vib1x: number; tAmbient: number; tInlet: number;
}

export interface PumpStationOptions {
  /** Number of assets (default 3) or their names (default pump-1..pump-N). */
  assets?: number | readonly string[];
  seed?: number;
  faults?: readonly ScheduledFault[];
  /** Plant clock at t = 0, ms since the epoch (default Date.now()). */
  startMs?: number;
}

export class PumpStation extends SimulatedPlant implements Plant {
  readonly kind = 'pump-station' as const;
  readonly assets: readonly string[];
  readonly signals = PUMP_SIGNALS;
  readonly values: Float64Array;
  private readonly noise: ColouredNoise;
  private readonly params: PumpParams[];
  /** Speed ratio n/n0 per asset (follows `on` with a short lag) and the command. */
  private readonly ratio: Float64Array;
  private readonly on: Uint8Array;
  private readonly load: Float64Array;
  private readonly winding: Float64Array;
  private readonly fluid: Float64Array;
  private warm = false;

  constructor(opts: PumpStationOptions = {}) {
    const a = opts.assets ?? 3;
    const assets = typeof a === 'number' ? Array.from({ length: checkCount(a) }, (_, i) => `pump-${i + 1}`) : [...a];
    super(assets, opts.faults, opts.startMs);
    this.assets = assets;
    const n = this.assets.length;
    this.values = new Float64Array(n * S);
    const rng = new SeededRandom(opts.seed ?? 1);
    this.noise = new ColouredNoise(n * N_CHANNELS, rng);
    this.params = this.assets.map(() => drawParams(rng));
    this.ratio = new Float64Array(n).fill(1);
    this.on = new Uint8Array(n).fill(1);
    this.load = new Float64Array(n).fill(1);
    this.winding = new Float64Array(n);
    this.fluid = new Float64Array(n);
    this.step(0);
  }

  /** Starts or stops an asset's motor (speed follows with a lag of a few seconds). */
  setRunning(asset: string, running: boolean): void {
    this.on[this.faults.indexOf(asset)] = running ? 1 : 0;
  }

  protected advance(dtS: number): void {
    for (let a = 0; a < this.assets.length; a++) this.stepAsset(a, dtS);
    this.warm = true;
  }

  private stepAsset(a: number, dt: number): void {
    const p = this.params[a];
    const f = this.faults;
    const v = this.values;
    const row = a * S;
    const ch = a * N_CHANNELS;
    const noise = this.noise;
    const bearing = f.of(a, 'bearing-wear'), cavitation = f.of(a, 'cavitation');
    const valve = f.of(a, 'valve-closing'), imbalance = f.of(a, 'imbalance');

    const r = (this.ratio[a] += (this.on[a] - this.ratio[a]) * (1 - Math.exp(-dt / 1.5)));
    const cavFluct = noise.next(ch + N_CAV, dt, 0.3, 1);
    // Cavitation: vapour bubbles break the head down, unsteadily.
    const headFactor = 1 - cavitation * (0.25 + 0.1 * cavFluct);
    const h0 = p.h0 * r * r * headFactor;
    const open = 1 - 0.85 * valve;
    const kSystem = p.kSystem / (open * open);
    const q = h0 > p.hStatic ? Math.sqrt((h0 - p.hStatic) / (p.kPump + kSystem)) : 0;
    const head = p.hStatic + kSystem * q * q;
    const qRel = r > 0.05 ? q / (Q_NOMINAL * r) : 0;

    const hydraulicW = RHO * G * q * head;
    const shaftW = r * r * r * p.pBep * (0.45 + 0.55 * qRel) + bearing * 600;
    this.load[a] = shaftW / RATED_POWER_W;
    const volts = MAINS_V + noise.next(ch + N_VOLT, dt, 5, 2);
    const activeA = shaftW / MOTOR_EFFICIENCY / (Math.sqrt(3) * volts * POWER_FACTOR);
    const magnetisingA = 7 * Math.min(1, r * 4);
    const amps = Math.sqrt(activeA * activeA + magnetisingA * magnetisingA);

    const suction = p.pSuction * (1 - 0.6 * cavitation);
    v[row + PRESSURE] = Math.max(0, suction + (RHO * G * head) / 1e5 + noise.next(ch + N_PRESS, dt, 0.5, 0.02 + 0.25 * cavitation));
    v[row + FLOW] = Math.max(0, q * 60_000 * (1 + noise.next(ch + N_FLOW, dt, 1, 0.005 + 0.03 * cavitation)));
    v[row + VOLTAGE] = volts - 0.05 * amps;
    v[row + CURRENT] = Math.max(0, amps + noise.next(ch + N_CURR, dt, 0.5, 0.1 * r));
    v[row + SPEED] = SYNC_RPM * r * (1 - RATED_SLIP * this.load[a]);
    v[row + RUNNING] = this.on[a];

    const r2 = r * r;
    const hydraulicVib = 0.8 * Math.abs(qRel - 1) * r2;
    const oneX = p.vib1x * r2 + 4.5 * imbalance * r2;
    const cavVib = 3 * cavitation * (1 + 0.3 * Math.abs(cavFluct));
    const de = Math.sqrt(sq(p.vibDe * r2) + sq(hydraulicVib) + sq(6 * bearing) + sq(cavVib) + sq(oneX));
    const nde = Math.sqrt(sq(p.vibNde * r2) + sq(0.8 * hydraulicVib) + sq(2 * bearing) + sq(0.7 * cavVib) + sq(0.8 * oneX));
    v[row + VIB_DE] = de * (1 + noise.next(ch + N_DE, dt, 0.8, 0.03)) + 0.02;
    v[row + VIB_NDE] = nde * (1 + noise.next(ch + N_NDE, dt, 0.8, 0.03)) + 0.02;
    v[row + VIB_1X] = oneX * (1 + noise.next(ch + N_1X, dt, 0.8, 0.03)) + 0.01;

    // Temperatures lag their targets; the first step starts them at steady state (no warm-up transient).
    const windingTarget = p.tAmbient + 65 * sq(amps / RATED_CURRENT_A) + 20 * bearing;
    const lossHeat = q > 0.001 ? (shaftW - hydraulicW) / (RHO * CP * q) : (shaftW - hydraulicW) / (RHO * CP * 0.001);
    const fluidTarget = p.tInlet + LOOP_HEATING * lossHeat;
    // The lag runs on noise-free states so the sensor noise does not accumulate.
    const tw = (this.winding[a] = this.warm ? lag(this.winding[a], windingTarget, dt, WINDING_TAU_S) : windingTarget);
    const tf = (this.fluid[a] = this.warm ? lag(this.fluid[a], fluidTarget, dt, FLUID_TAU_S) : fluidTarget);
    v[row + T_WINDING] = tw + noise.next(ch + N_TW, dt, 20, 0.15);
    v[row + T_FLUID] = tf + noise.next(ch + N_TF, dt, 30, 0.02);
  }
}

function lag(x: number, target: number, dt: number, tau: number): number {
  return target + (x - target) * Math.exp(-dt / tau);
}

function sq(x: number): number {
  return x * x;
}

function checkCount(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new RangeError(`assets: expected a whole number 1..1000, got ${n}`);
  return n;
}

function drawParams(rng: SeededRandom): PumpParams {
  const h0 = 50 * rng.between(0.97, 1.03);
  const hStatic = 10 * rng.between(0.95, 1.05);
  // Design point: 1500 l/min at 35 m; the pump curve and the system curve both pass through it.
  const designHead = 35;
  return {
    h0,
    hStatic,
    kPump: (h0 - designHead) / (Q_NOMINAL * Q_NOMINAL),
    kSystem: (designHead - hStatic) / (Q_NOMINAL * Q_NOMINAL),
    pBep: 10_500 * rng.between(0.98, 1.02),
    pSuction: 0.5,
    vibDe: rng.between(1.0, 1.6),
    vibNde: rng.between(0.8, 1.3),
    vib1x: rng.between(0.5, 0.9),
    tAmbient: rng.between(24, 30),
    tInlet: rng.between(18, 22),
  };
}
