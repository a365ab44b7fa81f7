/** `telltale train`: fit a model on normal data, export float + int8 ONNX with a manifest, calibrate the threshold. */
import { basename, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { MODEL_FAMILIES, type ModelFamily } from '../../models/types.ts';

interface TrainOptions {
  data: string;
  model: ModelFamily;
  out: string;
  name?: string;
  columns?: string;
  separator: string;
  timestampColumn: string;
  labelColumn: string;
  trainRows?: string;
  thresholdQuantile: string;
  calibration: 'quantile' | 'pot';
  risk?: string;
  margin: string;
  variance?: string;
  components?: string;
  pcaScore: 'combined' | 'q' | 't2';
  limitQuantile?: string;
  epochs?: string;
  hidden?: string;
  trees?: string;
  sampleSize?: string;
  neighbours?: string;
  seed: string;
  opset?: string;
  modelVersion: string;
  description?: string;
  progress: boolean;
}

/** Parses a numeric option or fails naming the option. */
function num(value: string | undefined, option: string, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const v = Number(value);
  if (!Number.isFinite(v) || (integer && !Number.isInteger(v))) throw new Error(`${option}: expected ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(value)}`);
  return v;
}

async function train(opts: TrainOptions): Promise<void> {
  // Loaded here, not at start-up: onnxruntime and the model code are only needed when training.
  const { loadTrainingData } = await import('../../models/training-data.ts');
  const { trainModelBundle } = await import('../../models/train.ts');
  const dir = resolve(opts.out);
  const name = opts.name ?? basename(dir);
  const data = loadTrainingData(opts.data, {
    separator: opts.separator,
    timestampColumn: opts.timestampColumn,
    labelColumn: opts.labelColumn,
    columns: opts.columns?.split(',').map((c) => c.trim()).filter(Boolean),
    trainRows: num(opts.trainRows, '--train-rows', true),
  });
  const bar = opts.progress
    ? new cliProgress.SingleBar({ format: `training ${opts.model} {phase} [{bar}] {percentage}%`, hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic)
    : undefined;
  bar?.start(100, 0, { phase: 'fit' });
  const seed = num(opts.seed, '--seed', true);
  const result = await trainModelBundle({
    family: opts.model,
    X: data.X,
    nRows: data.nRows,
    names: data.names,
    dir,
    name,
    version: opts.modelVersion,
    description: opts.description,
    opset: num(opts.opset, '--opset', true),
    fit: {
      pca: {
        varianceKept: num(opts.variance, '--variance'),
        components: num(opts.components, '--components', true),
        score: opts.pcaScore,
        limitQuantile: num(opts.limitQuantile, '--limit-quantile'),
      },
      ae: { epochs: num(opts.epochs, '--epochs', true), hidden: num(opts.hidden, '--hidden', true), seed },
      iforest: { trees: num(opts.trees, '--trees', true), sampleSize: num(opts.sampleSize, '--sample-size', true), seed },
      knn: { k: num(opts.neighbours, '--neighbours', true) },
    },
    calibration: {
      method: opts.calibration,
      quantile: num(opts.thresholdQuantile, '--threshold-quantile'),
      risk: num(opts.risk, '--risk'),
      margin: num(opts.margin, '--margin'),
    },
    training: { source: data.files.length === 1 ? data.files[0] : `${opts.data} (${data.files.length} files)`, span: data.span },
    onProgress: (f, phase) => bar?.update(Math.round(f * 100), { phase }),
  });
  bar?.stop();
  const m = result.bundle.manifest;
  const out = process.stdout;
  out.write(`trained ${m.family} '${m.name}' on ${data.nRows} rows × ${data.names.length} inputs (${data.names.join(', ')})\n`);
  if (data.droppedAnomalous) out.write(`left out ${data.droppedAnomalous} rows labelled anomalous\n`);
  out.write(`threshold ${result.threshold.toPrecision(6)} (${m.threshold.method}); int8 ${result.int8Threshold.toPrecision(6)}; ${result.trainingAlarms} training rows above it\n`);
  out.write(`wrote ${result.bundle.floatPath} (${m.files.float.bytes} B), ${result.bundle.int8Path} (${m.files.int8.bytes} B), ${result.bundle.manifestPath}\n`);
}

export function register(program: Command): void {
  program
    .command('train')
    .description('fit an anomaly model on normal data and export it as ONNX (float + int8) with its manifest')
    .requiredOption('--data <csv-or-dir>', 'a CSV file, or a directory of CSV files, of normal operation')
    .addOption(new Option('--model <family>', 'model family').choices([...MODEL_FAMILIES]).default('pca'))
    .requiredOption('--out <dir>', 'bundle directory, e.g. models/pump-pca (its name names the files)')
    .option('--name <name>', 'base name of the bundle files (default: the --out directory name)')
    .option('--columns <a,b,…>', 'input columns in order (default: every numeric column)')
    .option('--separator <char>', 'CSV field separator', ';')
    .option('--timestamp-column <name>', 'timestamp column', 'datetime')
    .option('--label-column <name>', 'rows with 1 in this column are left out of training, if the column exists', 'anomaly')
    .option('--train-rows <n>', 'use only the first n rows of each file')
    .option('--threshold-quantile <q>', 'quantile of the training scores that sets the threshold', '0.99')
    .addOption(new Option('--calibration <method>', 'threshold calibration').choices(['quantile', 'pot']).default('quantile'))
    .option('--risk <p>', 'pot: probability a normal score exceeds the threshold')
    .option('--margin <m>', 'multiply the calibrated threshold by m', '1')
    .option('--variance <share>', 'pca: share of variance the kept components explain (default 0.9)')
    .option('--components <k>', 'pca: number of components (instead of --variance)')
    .addOption(new Option('--pca-score <kind>', 'pca: Q/Qlim + T²/T²lim, or one of them').choices(['combined', 'q', 't2']).default('combined'))
    .option('--limit-quantile <q>', 'pca: training quantile that sets Qlim and T²lim (default 0.99)')
    .option('--epochs <n>', 'ae: training epochs (default 60)')
    .option('--hidden <n>', 'ae: hidden layer width')
    .option('--trees <n>', 'iforest: number of trees (default 50)')
    .option('--sample-size <n>', 'iforest: rows per tree (default 64)')
    .option('--neighbours <k>', 'knn: neighbours averaged (default 3)')
    .option('--seed <n>', 'random seed (ae, iforest)', '1')
    .option('--opset <n>', 'ONNX opset, 13–23 (default 17)')
    .option('--model-version <v>', 'version written to the manifest', '1')
    .option('--description <text>', 'one line for the manifest: what the model watches')
    .option('--no-progress', 'no progress bar')
    .action(async (opts: TrainOptions) => {
      try {
        await train(opts);
      } catch (err) {
        process.stderr.write(`telltale train: ${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
