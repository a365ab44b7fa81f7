/**
 * A recorded plant: SKAB-format CSVs (`;`-separated, `datetime`, sensor columns, `anomaly`, `changepoint`)
 * served as live signals. One asset per file; rows advance by their own timestamps × speed; the ground truth is
 * the file's `anomaly` column. Parsing is the evaluation loader's (csv-parse); this file only plays it back.
 */
import { basename, extname, relative, sep } from 'node:path';
import { statSync } from 'node:fs';
import { findCsvFiles, loadTable, SKAB_SPEC, type Table } from '../../evaluate/dataset.ts';
import { FAULT_CODES, type GroundTruth, type Plant, type SignalSpec } from './types.ts';

export interface ReplayOptions {
  /** A CSV file or a directory of them (searched recursively). */
  path: string;
  /** Recorded seconds played per plant second (default 1). */
  speed?: number;
  /** At the end: start over (default) or hold the last row. */
  loop?: boolean;
  startMs?: number;
}

/** Units of SKAB's columns (its testbed: accelerometers in g, pressure in bar, flow in l/min). */
const SKAB_UNITS: Record<string, string> = {
  Accelerometer1RMS: 'g', Accelerometer2RMS: 'g', Current: 'A', Pressure: 'bar',
  Temperature: 'degC', Thermocouple: 'degC', Voltage: 'V', 'Volume Flow RateRMS': 'l/min',
};

/** `Volume Flow RateRMS` → `volume_flow_rate_rms`, `Accelerometer1RMS` → `accelerometer1_rms`. */
export function signalName(column: string): string {
  return column
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}

/** The coarsest power of ten that keeps |value| / scale inside int16. */
export function int16ScaleFor(maxAbs: number): number {
  if (!(maxAbs > 0)) return 1;
  const exp = Math.ceil(Math.log10(maxAbs / 32767));
  return exp >= 0 ? 10 ** exp : Number(`1e${exp}`);
}

export class ReplayPlant implements Plant {
  readonly kind = 'replay' as const;
  readonly assets: readonly string[];
  readonly signals: readonly SignalSpec[];
  readonly values: Float64Array;
  readonly faultCode: Uint16Array;
  readonly startMs: number;
  readonly speed: number;
  readonly loop: boolean;
  /** The recordings, one per asset (file, columns, rows, labels). */
  readonly tables: readonly Table[];
  private timeS = 0;
  /** Per asset: row offsets in recorded seconds from its first row. */
  private readonly offsets: Float64Array[];
  /** Per asset: recorded seconds one pass lasts (last offset + one typical step). */
  private readonly period: Float64Array;
  private readonly cursor: Int32Array;
  private readonly passStart: Float64Array;
  private readonly onsetMs: Float64Array;

  constructor(opts: ReplayOptions) {
    this.speed = opts.speed ?? 1;
    if (!(this.speed > 0) || !Number.isFinite(this.speed)) throw new RangeError(`speed: expected a number > 0, got ${opts.speed}`);
    this.loop = opts.loop ?? true;
    this.startMs = opts.startMs ?? Date.now();
    const { files, root } = listFiles(opts.path);
    this.tables = files.map((f) => loadTable(f, SKAB_SPEC, root));
    this.assets = this.tables.map((t) => assetName(t, root));
    const columns = this.tables[0].columns;
    for (const t of this.tables) {
      if (t.columns.join('\u0000') !== columns.join('\u0000')) {
        throw new RangeError(`${t.file}: columns ${t.columns.join(', ')} differ from ${this.tables[0].file} (${columns.join(', ')}); replay serves one register map`);
      }
    }
    this.signals = columns.map((c, k) => {
      let lo = Infinity, hi = -Infinity;
      for (const t of this.tables) for (let i = 0; i < t.rows; i++) { const x = t.data[i * columns.length + k]; lo = Math.min(lo, x); hi = Math.max(hi, x); }
      return { name: signalName(c), unit: SKAB_UNITS[c], kind: 'analog' as const, int16Scale: int16ScaleFor(Math.max(Math.abs(lo), Math.abs(hi))), range: { low: lo, high: hi } };
    });
    const n = this.assets.length;
    this.offsets = this.tables.map(timeOffsets);
    this.period = Float64Array.from(this.offsets, (o) => o[o.length - 1] + typicalStep(o));
    this.values = new Float64Array(n * this.signals.length);
    this.faultCode = new Uint16Array(n);
    this.cursor = new Int32Array(n);
    this.passStart = new Float64Array(n);
    this.onsetMs = new Float64Array(n);
    for (let a = 0; a < n; a++) this.show(a, 0);
  }

  nowMs(): number {
    return this.startMs + this.timeS * 1000;
  }

  /** Row of the recording an asset shows now (0-based data row). */
  row(asset: string): number {
    return this.cursor[this.indexOf(asset)];
  }

  /** True once every recording has played to its end and loop is off. */
  ended(): boolean {
    if (this.loop) return false;
    for (let a = 0; a < this.assets.length; a++) if (this.timeS * this.speed < this.period[a]) return false;
    return true;
  }

  injectFault(): void {
    throw new Error('replay: the ground truth is the recording\'s anomaly column; faults cannot be injected into a replay');
  }

  clearFault(): void {
    throw new Error('replay: the ground truth is the recording\'s anomaly column; faults cannot be cleared in a replay');
  }

  groundTruth(): GroundTruth[] {
    return this.assets.map((asset, a) => {
      const active = this.faultCode[a] !== 0;
      return active
        ? { asset, active, kind: 'recorded' as const, code: this.faultCode[a], onsetMs: Math.round(this.onsetMs[a]), severity: 1 }
        : { asset, active, code: 0, severity: 0 };
    });
  }

  step(dtS: number): void {
    this.timeS += dtS;
    const recorded = this.timeS * this.speed;
    for (let a = 0; a < this.assets.length; a++) {
      const off = this.offsets[a];
      let local = recorded - this.passStart[a];
      let row = this.cursor[a];
      if (local >= this.period[a] && this.loop) {
        while (local >= this.period[a]) { this.passStart[a] += this.period[a]; local -= this.period[a]; }
        row = 0;
      }
      while (row + 1 < off.length && off[row + 1] <= local) row++;
      if (row !== this.cursor[a]) this.show(a, row);
    }
  }

  private show(a: number, row: number): void {
    const t = this.tables[a];
    const m = this.signals.length;
    this.values.set(t.data.subarray(row * m, row * m + m), a * m);
    const was = this.faultCode[a];
    const now = t.labels?.[row] === 1 ? FAULT_CODES.recorded : 0;
    if (now !== 0 && (was === 0 || row < this.cursor[a])) {
      let first = row;
      while (first > 0 && t.labels?.[first - 1] === 1) first--;
      this.onsetMs[a] = this.startMs + ((this.passStart[a] + this.offsets[a][first]) / this.speed) * 1000;
    }
    this.faultCode[a] = now;
    this.cursor[a] = row;
  }

  private indexOf(asset: string): number {
    const a = this.assets.indexOf(asset);
    if (a < 0) throw new RangeError(`unknown asset "${asset}" (the replay has ${this.assets.join(', ')})`);
    return a;
  }
}

function listFiles(path: string): { files: string[]; root?: string } {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new RangeError(`replay: ${path} not found (expected a CSV file or a directory of them)`);
  }
  if (!st.isDirectory()) return { files: [path] };
  const files = findCsvFiles(path);
  if (files.length === 0) throw new RangeError(`replay: no .csv files under ${path}`);
  return { files, root: path };
}

/** A file alone: its base name; a file in a directory: its relative path with `-` for separators. */
function assetName(t: Table, root: string | undefined): string {
  const rel = root === undefined ? basename(t.file) : relative(root, t.file);
  return rel.slice(0, rel.length - extname(rel).length).split(sep).join('-');
}

function timeOffsets(t: Table): Float64Array {
  const out = new Float64Array(t.rows);
  let first = NaN;
  for (let i = 0; i < t.rows; i++) {
    // SKAB writes local wall-clock time without a zone; only differences matter here, so read it as UTC.
    const ms = Date.parse(`${t.timestamps[i].replace(' ', 'T')}Z`);
    if (Number.isNaN(ms)) throw new RangeError(`${t.file}: row ${i + 2}, column "datetime": expected YYYY-MM-DD hh:mm:ss, got ${JSON.stringify(t.timestamps[i])}`);
    if (i === 0) first = ms;
    out[i] = (ms - first) / 1000;
    if (i > 0 && out[i] < out[i - 1]) throw new RangeError(`${t.file}: row ${i + 2}: datetime goes back in time (${t.timestamps[i]} after ${t.timestamps[i - 1]})`);
  }
  return out;
}

/** The median row spacing (1 s in SKAB), so a loop does not replay the last row for zero time. */
function typicalStep(off: Float64Array): number {
  if (off.length < 2) return 1;
  const steps = Array.from({ length: off.length - 1 }, (_, i) => off[i + 1] - off[i]).sort((x, y) => x - y);
  return steps[steps.length >> 1] || 1;
}
