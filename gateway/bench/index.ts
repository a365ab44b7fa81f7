/**
 * `telltale bench`: runs each load step against real influxd and mosquitto on loopback and the simulator in a
 * child process, and collects the report. Public API: runBench(options) → BenchReport; formatTable(report).
 */
import { availableParallelism } from 'node:os';
import { startServers } from './peers.ts';
import { runStep } from './step.ts';
import type { BenchReport, StepSpec } from './report.ts';

export { runComponents, formatComponents, COMPONENT_SCRIPTS, type ComponentRun } from './components.ts';
export { runPeerBench, formatPeerTable, telltaleValuesPerCpuS, type PeerBenchOptions, type PeerBenchReport, type PeerComparison } from './peer-bench.ts';
export { runPeerStep, type PeerStepResult, type PeerVariant } from './peer-nodered.ts';
export { formatTable, parseSteps, type BenchReport, type StepResult, type StepSpec } from './report.ts';

export interface BenchOptions {
  steps: StepSpec[];
  secondsPerStep: number;
  /** (step index, fraction of that step done) */
  onProgress?: (step: number, fraction: number) => void;
}

export async function runBench(opts: BenchOptions): Promise<BenchReport> {
  const { influxd, mosquitto } = await startServers();
  const steps = [];
  let failed: string | undefined;
  try {
    for (let i = 0; i < opts.steps.length && failed === undefined; i++) {
      try {
        steps.push(await runStep(opts.steps[i], { influxUrl: influxd.url, mqttUrl: mosquitto.url, seconds: opts.secondsPerStep, onProgress: (f) => opts.onProgress?.(i, f) }));
      } catch (e) {
        // A step that cannot run (the gateway fell over, a peer died) ends the run; the steps before it stand.
        failed = (e as Error).message;
      }
    }
  } finally {
    await Promise.allSettled([influxd.dispose(), mosquitto.dispose()]);
  }
  const kept = steps.filter((s) => s.kept).map((s) => s.valuesPerS);
  return { node: process.version, cpus: availableParallelism(), secondsPerStep: opts.secondsPerStep, steps, sustainedValuesPerS: kept.length ? Math.max(...kept) : 0, ...(failed ? { failed } : {}) };
}
