/**
 * Operator commands typed into a running `telltale simulate` (when stdin is a terminal): inject and clear faults
 * by hand during a demo. Every line gets an answer; a bad line gets a precise one and changes nothing.
 */
import { FAULT_KINDS, type FaultKind, type GroundTruth, type Plant } from './plant/types.ts';

export interface ConsoleTarget {
  plant: Plant;
  injectFault: Plant['injectFault'];
  clearFault: Plant['clearFault'];
  groundTruth(): GroundTruth[];
}

export const CONSOLE_HELP = [
  'commands:',
  '  fault <asset> <kind> [severity 0..1] [rampS] [durationS]   kinds: ' + FAULT_KINDS.join(', '),
  '  clear <asset>                                              end the asset\'s fault',
  '  status                                                     ground truth per asset',
  '  help',
].join('\n');

export function describeGroundTruth(g: GroundTruth): string {
  return g.active
    ? `${g.asset}: ${g.kind} (fault_code ${g.code}) since ${new Date(g.onsetMs ?? 0).toISOString()}, severity ${g.severity.toFixed(2)}`
    : `${g.asset}: healthy`;
}

/** Runs one command line against the simulator and returns what to print. */
export function runConsoleCommand(sim: ConsoleTarget, line: string): string {
  const [cmd, ...args] = line.trim().split(/\s+/);
  try {
    switch (cmd) {
      case '':
        return '';
      case 'help':
      case '?':
        return CONSOLE_HELP;
      case 'status':
        return sim.groundTruth().map(describeGroundTruth).join('\n');
      case 'clear':
        if (args.length !== 1) return 'usage: clear <asset>';
        sim.clearFault(args[0]);
        return `cleared ${args[0]}`;
      case 'fault': {
        if (args.length < 2 || args.length > 5) return 'usage: fault <asset> <kind> [severity 0..1] [rampS] [durationS]';
        const [asset, kind, ...nums] = args;
        const values = nums.map(Number);
        const badAt = values.findIndex((v) => !Number.isFinite(v));
        if (badAt >= 0) return `fault: ${['severity', 'rampS', 'durationS'][badAt]} must be a number, got "${nums[badAt]}"`;
        const [severity, rampS, durationS] = values;
        sim.injectFault(asset, kind as FaultKind, { severity, rampS, durationS });
        return describeGroundTruth(sim.groundTruth().find((g) => g.asset === asset)!);
      }
      default:
        return `unknown command "${cmd}"; ${CONSOLE_HELP}`;
    }
  } catch (e) {
    return `${cmd}: ${(e as Error).message}`;
  }
}
