/**
 * `telltale bench --peer`: Telltale and the stock Node-RED flow, load by load in one run, against the same real
 * influxd and the same simulator (a fresh child per side), and the ratios Telltale / peer (issue 6).
 * Telltale's figures are runStep's: CPU from process.cpuUsage() (getrusage: the utime + stime that /proc/<pid>/stat
 * shows, every thread) and RSS from process.memoryUsage().rss (VmRSS), of the bench process that runs the pipeline.
 */
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { startServers } from './peers.ts';
import { runStep } from './step.ts';
import { runPeerStep, type PeerStepResult, type PeerVariant } from './peer-nodered.ts';
import type { StepResult, StepSpec } from './report.ts';

export interface PeerBenchOptions {
  steps: StepSpec[];
  secondsPerStep: number;
  variants?: PeerVariant[];
  /** Run only the peer (no Telltale step). */
  peerOnly?: boolean;
  /** (phase index, phase count, "5000x10 telltale", fraction of that phase done) */
  onProgress?: (phase: number, phases: number, label: string, fraction: number) => void;
}

export interface PeerComparison {
  step: string;
  telltale?: StepResult;
  peers: PeerStepResult[];
  /** /proc/loadavg (1 min) when the load began and ended. */
  loadavg: [number, number];
  errors: string[];
}

export interface PeerBenchReport {
  node: string;
  cpus: number;
  secondsPerStep: number;
  rows: PeerComparison[];
}

const loadavg = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

export async function runPeerBench(opts: PeerBenchOptions): Promise<PeerBenchReport> {
  const variants = opts.variants ?? ['shared', 'per-reader'];
  const perStep = variants.length + (opts.peerOnly ? 0 : 1);
  const phases = opts.steps.length * perStep;
  const { influxd, mosquitto } = await startServers();
  const rows: PeerComparison[] = [];
  try {
    for (const [i, spec] of opts.steps.entries()) {
      const step = `${spec.tags}x${spec.rate}`;
      const row: PeerComparison = { step, peers: [], loadavg: [loadavg(), NaN], errors: [] };
      let phase = i * perStep;
      if (!opts.peerOnly) {
        const p = phase++;
        try {
          row.telltale = await runStep(spec, { influxUrl: influxd.url, mqttUrl: mosquitto.url, seconds: opts.secondsPerStep, onProgress: (f) => opts.onProgress?.(p, phases, `${step} telltale`, f) });
        } catch (e) {
          row.errors.push((e as Error).message);
        }
      }
      for (const variant of variants) {
        const p = phase++;
        try {
          row.peers.push(await runPeerStep(spec, { influxUrl: influxd.url, seconds: opts.secondsPerStep, variant, onProgress: (f) => opts.onProgress?.(p, phases, `${step} node-red ${variant}`, f) }));
        } catch (e) {
          row.errors.push((e as Error).message);
        }
      }
      row.loadavg[1] = loadavg();
      rows.push(row);
    }
  } finally {
    await Promise.allSettled([influxd.dispose(), mosquitto.dispose()]);
  }
  return { node: process.version, cpus: availableParallelism(), secondsPerStep: opts.secondsPerStep, rows };
}

/** Values per CPU-second of the process that did the work. */
export const telltaleValuesPerCpuS = (s: StepResult): number => (s.cpuPct > 0 ? s.valuesPerS / (s.cpuPct / 100) : NaN);

const k = (v: number) => (!Number.isFinite(v) ? '-' : v >= 1e4 ? `${(v / 1e3).toFixed(0)} k` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : v.toFixed(0));
const age = (v: number, upperBound: boolean) => (!Number.isFinite(v) ? '-' : upperBound ? (v <= 1000 ? '≤ 1 s' : `≤ ${(v / 1000).toFixed(0)} s`) : v < 1000 ? `${v.toFixed(0)} ms` : `${(v / 1000).toFixed(1)} s`);
const x = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(1)}×` : '-');

export function formatPeerTable(r: PeerBenchReport): string {
  const head = ['step', 'side', 'values/s', 'status', 'CPU %', 'values/CPU-s', 'RSS MB', 'age p99', 'queue start→end', 'influx values/s', 'logged'];
  const rows: string[][] = [];
  const ratios: string[][] = [];
  for (const row of r.rows) {
    const t = row.telltale;
    if (t) rows.push([row.step, 'telltale', k(t.valuesPerS), t.status, t.cpuPct.toFixed(0), k(telltaleValuesPerCpuS(t)), t.rssMaxMB.toFixed(0), age(t.dataAgeP99Ms, false), `skipped ${t.skippedPolls}`, k(t.influxValuesPerS), `${t.errors.length}`]);
    for (const p of row.peers) {
      rows.push([row.step, `node-red ${p.variant}`, k(p.valuesPerS), p.status, p.cpuPct.toFixed(0), k(p.valuesPerCpuS), p.rssMaxMB.toFixed(0), age(p.dataAgeP99Ms, true), `${p.queueStart}→${p.queueEnd}`, k(p.influxFeatureValuesPerS), `${p.logLines}`]);
      if (t) ratios.push([row.step, p.variant, x(t.valuesPerS, p.valuesPerS), x(telltaleValuesPerCpuS(t), p.valuesPerCpuS), x(t.rssMaxMB, p.rssMaxMB)]);
    }
  }
  const table = (h: string[], body: string[][]) => {
    const w = h.map((c, i) => Math.max(c.length, ...body.map((b) => b[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
    return [line(h), line(w.map((n) => '-'.repeat(n))), ...body.map(line)];
  };
  const errs = r.rows.flatMap((row) => row.errors.map((e) => `  ${row.step}: ${e}`));
  return [
    ...table(head, rows), '',
    ...(ratios.length ? [...table(['step', 'Telltale / peer', 'values/s', 'values/CPU-s', 'RSS'], ratios), ''] : []),
    `load average (1 min) per step: ${r.rows.map((row) => `${row.step} ${row.loadavg[0].toFixed(2)}→${row.loadavg[1].toFixed(2)}`).join(', ')}`,
    'telltale: features + ONNX scoring + raw samples to InfluxDB + MQTT uplink (influx = field values/s: raw samples, features, scores); node-red: features only (influx = feature fields/s); peer data age is an upper bound (1 s resolution)',
    ...(errs.length ? ['errors:', ...errs] : []),
  ].join('\n');
}
