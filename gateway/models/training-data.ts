/**
 * Normal-operation training rows from CSV: one file or every CSV under a directory (parsed by the evaluation's
 * loader, so train and evaluate read files the same way), optionally the first N rows of each file, a subset of
 * columns, and rows labelled anomalous dropped.
 */
import { statSync } from 'node:fs';
import { DatasetError, findCsvFiles, loadTable, type TableSpec } from '../evaluate/dataset.ts';

export interface TrainingDataOptions {
  separator?: string;
  timestampColumn?: string;
  /** Rows with 1 here are left out (default 'anomaly', when the file has it). */
  labelColumn?: string;
  ignoreColumns?: string[];
  /** Keep these columns, in this order (default: every numeric column). */
  columns?: string[];
  /** First N rows of each file (the SKAB protocol trains on the first 400). */
  trainRows?: number;
}

export interface TrainingData {
  names: string[];
  X: Float64Array;
  nRows: number;
  files: string[];
  span?: { from: string; to: string };
  /** Rows left out because their label said anomalous. */
  droppedAnomalous: number;
}

export function loadTrainingData(path: string, options: TrainingDataOptions = {}): TrainingData {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new DatasetError(`${path}: no such file or directory`);
  }
  const files = isDir ? findCsvFiles(path) : [path];
  if (files.length === 0) throw new DatasetError(`${path}: no .csv files found`);
  const spec: TableSpec = {
    separator: options.separator ?? ';',
    timestampColumn: options.timestampColumn ?? 'datetime',
    labelColumn: options.labelColumn ?? 'anomaly',
    ignoreColumns: options.ignoreColumns ?? ['changepoint'],
  };
  if (options.trainRows !== undefined && !(Number.isInteger(options.trainRows) && options.trainRows > 0)) {
    throw new DatasetError(`--train-rows must be a positive integer, got ${options.trainRows}`);
  }
  let names: string[] | undefined;
  const chunks: Float64Array[] = [];
  let nRows = 0;
  let dropped = 0;
  let from: string | undefined;
  let to: string | undefined;
  for (const file of files) {
    const t = loadTable(file, spec);
    const pick = (options.columns ?? t.columns).map((c) => {
      const j = t.columns.indexOf(c);
      if (j < 0) throw new DatasetError(`${file}: column ${JSON.stringify(c)} not found (numeric columns: ${t.columns.join(', ')})`);
      return j;
    });
    const these = pick.map((j) => t.columns[j]);
    if (names && these.join('\u0000') !== names.join('\u0000')) {
      throw new DatasetError(`${file}: columns ${these.join(', ')} differ from ${files[0]}'s ${names.join(', ')}`);
    }
    names = these;
    const rows = Math.min(t.rows, options.trainRows ?? t.rows);
    const d = pick.length;
    const chunk = new Float64Array(rows * d);
    let kept = 0;
    for (let r = 0; r < rows; r++) {
      if (t.labels?.[r] === 1) { dropped++; continue; }
      for (let k = 0; k < d; k++) chunk[kept * d + k] = t.data[r * t.columns.length + pick[k]];
      kept++;
      const ts = t.timestamps[r];
      if (from === undefined || ts < from) from = ts;
      if (to === undefined || ts > to) to = ts;
    }
    chunks.push(chunk.subarray(0, kept * d));
    nRows += kept;
  }
  if (nRows === 0) throw new DatasetError(`${path}: no normal rows to train on (${dropped} rows labelled anomalous)`);
  const X = new Float64Array(nRows * names!.length);
  let at = 0;
  for (const c of chunks) { X.set(c, at); at += c.length; }
  return { names: names!, X, nRows, files, span: from !== undefined && to !== undefined ? { from, to } : undefined, droppedAnomalous: dropped };
}
