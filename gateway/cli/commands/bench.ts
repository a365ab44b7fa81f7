/** `telltale bench`: load steps through the real pipeline (see gateway/bench), a table or JSON. */
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { formatComponents, formatPeerTable, formatTable, parseSteps, runBench, runComponents, runPeerBench, type PeerVariant } from '../../bench/index.ts';

const DEFAULT_STEPS = '1000x10,5000x10,10000x10,20000x10';
const QUICK_STEPS = '200x10';
const PEER_STEPS = '1000x10,5000x10,20000x10';
const VARIANTS: PeerVariant[] = ['shared', 'per-reader'];

export function register(program: Command): void {
  program
    .command('bench')
    .description('drive the simulator at increasing load through the real pipeline (Modbus → features → ONNX → InfluxDB + MQTT, real influxd and mosquitto on loopback) and report values/s, sample-to-alert latency, CPU, RSS, event-loop lag')
    .option('--quick', `one small step (${QUICK_STEPS}) for a few seconds: a smoke run`)
    .option('--steps <list>', `TAGSxHZ load steps, comma-separated (default ${DEFAULT_STEPS})`)
    .option('--seconds <n>', 'measured seconds per step (default 20; --quick 4)')
    .option('--tags-per-asset <n>', 'tags per asset (one Modbus device and one feature window per asset)', '100')
    .option('--components', 'also run the component benches (bench/*.ts: ONNX vs BatchScorer, Modbus, InfluxDB) after the steps')
    .option('--peer', `side by side with the stock Node-RED flow (node-red-contrib-modbus + function + node-red-contrib-influxdb in a child process) at each step, and the ratios (default steps ${PEER_STEPS})`)
    .option('--peer-only', 'with --peer: only the Node-RED peer, no Telltale step')
    .option('--variants <list>', `with --peer: ${VARIANTS.join(', ')} (one modbus-client for all readers, or one per reader)`, VARIANTS.join(','))
    .option('--json', 'print the report as JSON')
    .action(async (o: { quick?: boolean; steps?: string; seconds?: string; tagsPerAsset: string; json?: boolean; components?: boolean; peer?: boolean; peerOnly?: boolean; variants: string }) => {
      const perAsset = Number(o.tagsPerAsset);
      if (!Number.isInteger(perAsset) || perAsset < 1 || perAsset > 1000) throw new Error(`--tags-per-asset: expected a whole number in 1..1000, got "${o.tagsPerAsset}"`);
      const steps = parseSteps(o.steps ?? (o.quick ? QUICK_STEPS : o.peer ? PEER_STEPS : DEFAULT_STEPS), perAsset);
      const seconds = o.seconds !== undefined ? Number(o.seconds) : o.quick ? 4 : 20;
      if (!(seconds > 0)) throw new Error(`--seconds: expected a positive number, got "${o.seconds}"`);
      const bar = process.stderr.isTTY && !o.json
        ? new cliProgress.SingleBar({ format: 'bench {step} [{bar}] {percentage}%', stream: process.stderr }, cliProgress.Presets.shades_classic)
        : undefined;
      if (o.peer || o.peerOnly) {
        const variants = o.variants.split(',').map((v) => v.trim());
        const bad = variants.find((v) => !(VARIANTS as string[]).includes(v));
        if (bad !== undefined) throw new Error(`--variants: "${bad}" is not one of ${VARIANTS.join(', ')}`);
        bar?.start(100, 0, { step: '' });
        const report = await runPeerBench({
          steps, secondsPerStep: seconds, variants: variants as PeerVariant[], peerOnly: o.peerOnly,
          onProgress: (i, n, label, f) => bar?.update(Math.round(((i + f) / n) * 100), { step: label }),
        });
        bar?.stop();
        process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatPeerTable(report)}\n`);
        return;
      }
      bar?.start(steps.length * 100, 0, { step: '' });
      const report = await runBench({
        steps, secondsPerStep: seconds,
        onProgress: (i, f) => bar?.update(Math.round((i + f) * 100), { step: `${steps[i].tags}x${steps[i].rate}` }),
      });
      bar?.stop();
      if (o.components) report.components = await runComponents((_, name) => { if (!o.json) process.stderr.write(`component bench: ${name}\n`); });
      process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatTable(report)}\n${report.components ? `\n${formatComponents(report.components)}\n` : ''}`);
    });
}
