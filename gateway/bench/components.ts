/**
 * Component figures beside their limits, from the existing bench scripts (bench/*.ts, run as they are, each in its
 * own process, one after another): ONNX rows/s bare vs through BatchScorer, Modbus requests/s of our ModbusDevice
 * vs a bare modbus-serial loop, InfluxDB points/s through TsdbWriter vs a bare influx client loop.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../core/package-root.ts';

export interface ComponentRun {
  name: string;
  /** The command, as run from the package root. */
  command: string;
  output: string;
}

export const COMPONENT_SCRIPTS: readonly { name: string; args: string[] }[] = [
  { name: 'scoring: onnxruntime bare vs BatchScorer', args: ['bench/models.ts', '0.5'] },
  { name: 'modbus: bare modbus-serial loop (our server vs pymodbus)', args: ['bench/modbus-server.ts', '--seconds', '3'] },
  { name: 'modbus: ModbusDevice polling 10 devices x 500 float32', args: ['bench/modbus-poll.ts', '--seconds', '5'] },
  { name: 'influxdb: TsdbWriter vs bare influx client', args: ['bench/influx.ts', '100000'] },
];

export async function runComponents(onStart?: (i: number, name: string) => void): Promise<ComponentRun[]> {
  const runs: ComponentRun[] = [];
  for (const [i, s] of COMPONENT_SCRIPTS.entries()) {
    onStart?.(i, s.name);
    const output = await new Promise<string>((resolve) => {
      execFile(process.execPath, s.args, { cwd: packageRoot, timeout: 180_000, env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' } }, (err, stdout, stderr) => {
        resolve(err ? `${stdout}\nfailed: ${err.message.split('\n')[0]}${stderr ? `\n${stderr.trim().split('\n').slice(-3).join('\n')}` : ''}` : stdout);
      });
    });
    runs.push({ name: s.name, command: `./node_modules/.bin/node ${s.args.join(' ')}`, output: output.trim() });
  }
  return runs;
}

export function formatComponents(runs: readonly ComponentRun[]): string {
  return runs.map((r) => `## ${r.name}\n$ ${r.command}\n${r.output}`).join('\n\n');
}
