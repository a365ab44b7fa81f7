/** Bench report: step specs, per-step figures, and the terminal table. */

export interface StepSpec {
  /** Total tags (assets × tags per asset). */
  tags: number;
  /** Samples per second per tag. */
  rate: number;
  tagsPerAsset: number;
}

export interface StepResult {
  step: string;
  tags: number;
  rate: number;
  assets: number;
  seconds: number;
  targetValuesPerS: number;
  valuesPerS: number;
  /** Kept up: ≥ 95 % of the target, no skipped polls, InfluxDB queue not growing by more than a second's worth. */
  kept: boolean;
  /** Polls the Modbus devices skipped because the previous one was still running: the shed-load metric. */
  skippedPolls: number;
  status: 'ok' | 'behind' | 'shedding';
  dataAgeP99Ms: number;
  dataAgeMaxMs: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** From the acquisition time of the sample that tipped the window (alert.ts) to the subscriber, every open alert:
   * the pipeline's own sample-to-alert latency, without the window length and the model's detection delay. */
  pathLatencyP50Ms: number;
  pathLatencyP99Ms: number;
  faults: number;
  /** Alerts the detectors opened (any asset) vs open alerts of faulted assets that reached the subscriber. */
  alertsOpened: number;
  alertsReceived: number;
  windowsScored: number;
  cpuPct: number;
  /** RSS when the measurement began (after warm-up) and the most seen during it. */
  rssStartMB: number;
  rssMaxMB: number;
  loopLagP99Ms: number;
  loopLagMaxMs: number;
  influxPointsPerS: number;
  /** Field values stored per second (a raw-sample point holds one per tag). */
  influxValuesPerS: number;
  /** Growth of the InfluxDB queue over the step, in field values (compared with the target values/s). */
  influxQueueGrowth: number;
  bytesInPerS: number;
  bytesUpPerS: number;
  errors: string[];
}

export interface BenchReport {
  node: string;
  cpus: number;
  secondsPerStep: number;
  steps: StepResult[];
  /** Highest values/s of a step that kept up. */
  sustainedValuesPerS: number;
  /** The step that failed and why; the steps after it were not run. */
  failed?: string;
  /** With --components: the component bench scripts' output. */
  components?: { name: string; command: string; output: string }[];
}

/** `1000x10,2000x10` → specs; names the bad entry. */
export function parseSteps(text: string, tagsPerAsset: number): StepSpec[] {
  return text.split(',').map((s) => {
    const m = /^\s*(\d+)x(\d+(?:\.\d+)?)\s*$/.exec(s);
    if (!m || Number(m[1]) < 1 || !(Number(m[2]) > 0)) throw new Error(`--steps: "${s}" is not TAGSxHZ (e.g. 1000x10)`);
    const spec = { tags: Number(m[1]), rate: Number(m[2]), tagsPerAsset: Math.min(tagsPerAsset, Number(m[1])) };
    // The simulator serves every asset from one Modbus unit: 2 registers per float32 tag + 1 per asset.
    const registers = Math.ceil(spec.tags / spec.tagsPerAsset) * (2 * spec.tagsPerAsset + 1);
    if (registers > 65536) throw new Error(`--steps: "${s}" needs ${registers} holding registers, more than the 65536 of one Modbus unit (at most ${Math.floor(65536 / (2 * spec.tagsPerAsset + 1)) * spec.tagsPerAsset} tags at ${spec.tagsPerAsset} per asset)`);
    return spec;
  });
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = values.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const k = (v: number) => (!Number.isFinite(v) ? '-' : v >= 1e4 ? `${(v / 1e3).toFixed(0)} k` : v.toFixed(0));
const ms = (v: number) => (!Number.isFinite(v) ? '-' : v.toFixed(v < 10 ? 1 : 0));

export function formatTable(r: BenchReport): string {
  const head = ['step', 'target/s', 'values/s', 'status', 'skipped', 'age p99', 'alert p50', 'alert p99', 'path p50', 'path p99', 'alerts', 'opened', 'CPU %', 'RSS MB', 'lag p99', 'influx values/s', 'B in/s', 'B up/s'];
  const rows = r.steps.map((s) => [
    s.step, k(s.targetValuesPerS), k(s.valuesPerS), s.status, String(s.skippedPolls), ms(s.dataAgeP99Ms), ms(s.latencyP50Ms), ms(s.latencyP99Ms), ms(s.pathLatencyP50Ms), ms(s.pathLatencyP99Ms),
    `${s.alertsReceived}/${s.faults}`, String(s.alertsOpened ?? '-'), s.cpuPct.toFixed(0), s.rssMaxMB.toFixed(0), ms(s.loopLagP99Ms), k(s.influxValuesPerS), k(s.bytesInPerS), k(s.bytesUpPerS),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  const errs = r.steps.flatMap((s) => s.errors.map((e) => `  ${s.step}: ${e}`));
  return [
    line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line), '',
    `sustained (kept-up step): ${k(r.sustainedValuesPerS)} values/s; latencies in ms from the simulator's fault onset to the MQTT subscriber; opened = alerts the detectors opened on any asset (beyond the faults: false alarms)`,
    ...(r.failed ? [`stopped: ${r.failed}`] : []),
    ...(errs.length ? ['errors:', ...errs] : []),
  ].join('\n');
}
