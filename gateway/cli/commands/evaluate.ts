/**
 * `telltale evaluate`: the SKAB protocol (or any labelled CSV) through the gateway's own detection path,
 * printed beside the published leaderboard, with optional per-file predictions and a plot.
 */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { evaluateDataset, type DatasetResult } from '../../evaluate/benchmark.ts';
import { checkConfig, DEFAULT_EVALUATION, SKAB_EVALUATION, type EvaluationConfig } from '../../evaluate/config.ts';
import { DatasetError, loadDataset, SKAB_SPEC, type TableSpec } from '../../evaluate/dataset.ts';
import { plotSvg } from '../../evaluate/plot.ts';
import { writePredictions } from '../../evaluate/predictions.ts';
import { reportTable } from '../../evaluate/report.ts';
import type { ScalarFeature } from '../../features/stats.ts';
import { MODEL_FAMILIES, type ModelFamily } from '../../models/types.ts';

interface EvaluateOptions {
  dataset: 'skab' | 'csv';
  data: string;
  model: string;
  precision: 'float' | 'int8' | 'both';
  json?: boolean;
  predictions?: string;
  plot?: string;
  file?: string;
  trainRows?: number;
  separator?: string;
  timestampColumn?: string;
  labelColumn?: string;
  window?: number;
  features?: string;
  exclude?: string;
  smoothing?: number;
  threshold?: 'quantile' | 'pot';
  quantile?: number;
  margin?: number;
  closeRatio?: number;
  minOpen?: number;
}

const list = (s: string | undefined): string[] | undefined => s?.split(',').map((x) => x.trim()).filter(Boolean);

function buildConfig(o: EvaluateOptions, base: EvaluationConfig): EvaluationConfig {
  return checkConfig({
    ...base,
    window: { size: o.window ?? base.window.size, features: (list(o.features) as ScalarFeature[] | undefined) ?? base.window.features },
    exclude: list(o.exclude) ?? base.exclude,
    smoothing: o.smoothing ?? base.smoothing,
    calibration: {
      ...base.calibration,
      ...(o.threshold ? { method: o.threshold } : {}),
      ...(o.quantile !== undefined ? { quantile: o.quantile } : {}),
      ...(o.margin !== undefined ? { margin: o.margin } : {}),
    },
    // Explicit threshold options apply to every family.
    calibrationByFamily: o.threshold ?? o.quantile ?? o.margin ? undefined : base.calibrationByFamily,
    alert: { ...base.alert, ...(o.closeRatio !== undefined ? { closeRatio: o.closeRatio } : {}), ...(o.minOpen !== undefined ? { minOpenWindows: o.minOpen } : {}) },
  });
}

export async function runEvaluate(o: EvaluateOptions, print: (s: string) => void = (s) => process.stdout.write(s)): Promise<DatasetResult[]> {
  let spec: TableSpec;
  let trainRows: number;
  if (o.dataset === 'skab') {
    spec = SKAB_SPEC;
    trainRows = o.trainRows ?? 400;
  } else {
    if (o.trainRows === undefined) throw new DatasetError('--dataset csv needs --train-rows N');
    if (o.timestampColumn === undefined) throw new DatasetError('--dataset csv needs --timestamp-column C');
    spec = { separator: o.separator ?? ',', timestampColumn: o.timestampColumn, labelColumn: o.labelColumn };
    trainRows = o.trainRows;
  }
  if (o.plot !== undefined && !o.plot.toLowerCase().endsWith('.svg')) {
    throw new DatasetError(`--plot ${JSON.stringify(o.plot)}: only SVG is drawn; name the file *.svg`);
  }
  const families = o.model === 'all' ? [...MODEL_FAMILIES] : (list(o.model) ?? []);
  for (const f of families) {
    if (!MODEL_FAMILIES.includes(f as ModelFamily)) throw new DatasetError(`--model: ${JSON.stringify(f)} is not one of ${MODEL_FAMILIES.join(', ')}, all`);
  }
  const base = buildConfig(o, o.dataset === 'skab' ? SKAB_EVALUATION : DEFAULT_EVALUATION);
  const { tables, skipped } = loadDataset(o.data, spec);
  const precisions = o.precision === 'both' ? [false, true] : [o.precision === 'int8'];
  const results: DatasetResult[] = [];
  for (const model of families) {
    for (const int8 of precisions) {
      const config = { ...base, model: model as ModelFamily, int8 };
      results.push(await evaluateDataset(tables, trainRows, config));
    }
  }
  const labelled = tables.some((t) => t.labels !== undefined);
  if (o.predictions) {
    for (const r of results) {
      const dir = results.length === 1 ? o.predictions : `${o.predictions}/${r.model}${r.int8 ? '-int8' : ''}`;
      writePredictions(dir, r.files);
    }
  }
  if (o.plot) {
    const r = results[0];
    const f = o.file === undefined ? r.files[0] : r.files.find((x) => x.relPath === o.file);
    if (!f) throw new DatasetError(`--file ${JSON.stringify(o.file)}: not among the evaluated files (${r.files.map((x) => x.relPath).join(', ')})`);
    writeFileSync(o.plot, plotSvg(f, `${f.relPath} (${r.model}${r.int8 ? ' int8' : ''})`));
  }
  if (o.json) {
    print(`${JSON.stringify({
      dataset: o.dataset,
      data: o.data,
      trainRows,
      skipped,
      config: base,
      results: results.map((r) => ({
        model: r.model,
        int8: r.int8,
        totals: r.totals,
        maxModelBytes: r.maxModelBytes,
        files: r.files.map((f) => ({ file: f.relPath, threshold: f.calibration.threshold, confusion: f.confusion })),
      })),
    }, null, 2)}\n`);
  } else {
    print(`${o.dataset} protocol on ${o.data}: ${tables.length} files, first ${trainRows} rows train, rest test${skipped.length ? `; skipped (no labels): ${skipped.join(', ')}` : ''}\n\n`);
    print(reportTable(results, { leaderboard: o.dataset === 'skab' && labelled }));
  }
  return results;
}

export function register(program: Command): void {
  const num = (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`expected a number, got ${JSON.stringify(v)}`);
    return n;
  };
  const int = (v: string): number => {
    const n = num(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got ${JSON.stringify(v)}`);
    return n;
  };
  program
    .command('evaluate')
    .description('run a labelled benchmark (SKAB protocol, or any CSV) through the gateway detection path: F1 / FAR / MAR')
    .addOption(new Option('--dataset <kind>', 'dataset layout').choices(['skab', 'csv']).default('skab'))
    .requiredOption('--data <dir>', 'directory of CSV files, searched recursively')
    .option('--model <kind>', `model family: ${MODEL_FAMILIES.join(', ')}, a comma list, or all`, 'pca')
    .addOption(new Option('--precision <p>', 'score with the float ONNX model, its int8 variant, or both').choices(['float', 'int8', 'both']).default('float'))
    .option('--json', 'print the results as JSON')
    .option('--predictions <dir>', 'write <dir>/<relative path of each file>: datetime;score;anomaly_pred per test row')
    .option('--plot <file.svg>', 'draw score, threshold, labelled faults and alerts of one file')
    .option('--file <rel>', 'the file to plot, relative to --data (default: the first)')
    .option('--train-rows <n>', 'leading rows of each file used for training (skab: 400)', int)
    .option('--separator <s>', 'csv: field separator', ',')
    .option('--timestamp-column <c>', 'csv: timestamp column')
    .option('--label-column <c>', 'csv: 0/1 label column (without it, predictions only)')
    .option('--window <n>', 'window size in rows (sliding, hop 1)', int)
    .option('--features <list>', 'window features per tag, e.g. mean,std')
    .option('--exclude <list>', 'columns left out of the features')
    .option('--smoothing <span>', 'EMA span over window scores', num)
    .addOption(new Option('--threshold <method>', 'threshold calibration from training scores').choices(['quantile', 'pot']))
    .option('--quantile <q>', 'quantile of training scores (quantile method)', num)
    .option('--margin <m>', 'threshold multiplier', num)
    .option('--close-ratio <r>', 'alerts close below threshold × r (hysteresis)', num)
    .option('--min-open <n>', 'windows above threshold before an alert opens', int)
    .action(async (opts: EvaluateOptions) => {
      try {
        await runEvaluate(opts);
      } catch (err) {
        if (!(err instanceof Error) || !['DatasetError', 'EvaluationError', 'EvaluationConfigError', 'CalibrationError'].includes(err.name)) throw err;
        process.stderr.write(`telltale evaluate: ${err.message}\n`);
        process.exitCode = 2;
      }
    });
}
