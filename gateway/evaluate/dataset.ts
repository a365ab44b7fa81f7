/**
 * Loads labelled multivariate CSV time series (SKAB or any `;`/`,` separated file) into row-major numeric arrays.
 * Parsing is csv-parse's; this file only maps columns to features, timestamps and labels and reports bad cells.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse } from 'csv-parse/sync';

export interface TableSpec {
  separator: string;
  timestampColumn: string;
  /** Column holding 0/1 ground truth; absent = unlabelled file. */
  labelColumn?: string;
  /** Columns that are neither features nor the label (SKAB's `changepoint`). */
  ignoreColumns?: readonly string[];
}

export interface Table {
  file: string;
  /** Path relative to the dataset root, with `/` separators (used to mirror prediction files). */
  relPath: string;
  /** Feature column names, in file order. */
  columns: string[];
  timestamps: string[];
  /** Row-major, rows × columns.length. */
  data: Float64Array;
  rows: number;
  /** 0/1 per row, when the file has the label column. */
  labels?: Uint8Array;
}

export const SKAB_SPEC: TableSpec = Object.freeze({
  separator: ';',
  timestampColumn: 'datetime',
  labelColumn: 'anomaly',
  ignoreColumns: Object.freeze(['changepoint']),
});

export class DatasetError extends Error {
  override name = 'DatasetError';
}

export function loadTable(file: string, spec: TableSpec, root?: string): Table {
  const text = readFileSync(file, 'utf8');
  let records: string[][];
  try {
    records = parse(text, { delimiter: spec.separator, skip_empty_lines: true, trim: true, relax_column_count: false });
  } catch (err) {
    throw new DatasetError(`${file}: cannot parse CSV with separator ${JSON.stringify(spec.separator)}: ${(err as Error).message}`);
  }
  if (records.length < 2) throw new DatasetError(`${file}: expected a header row and at least one data row`);
  const header = records[0];
  const tsIdx = header.indexOf(spec.timestampColumn);
  if (tsIdx < 0) throw new DatasetError(`${file}: timestamp column ${JSON.stringify(spec.timestampColumn)} not found (columns: ${header.join(', ')})`);
  const labelIdx = spec.labelColumn === undefined ? -1 : header.indexOf(spec.labelColumn);
  const ignored = new Set(spec.ignoreColumns ?? []);
  const featIdx: number[] = [];
  for (let j = 0; j < header.length; j++) {
    if (j !== tsIdx && j !== labelIdx && !ignored.has(header[j])) featIdx.push(j);
  }
  if (featIdx.length === 0) throw new DatasetError(`${file}: no feature columns besides the timestamp and label`);
  const rows = records.length - 1;
  const d = featIdx.length;
  const data = new Float64Array(rows * d);
  const timestamps = new Array<string>(rows);
  const labels = labelIdx >= 0 ? new Uint8Array(rows) : undefined;
  for (let i = 0; i < rows; i++) {
    const rec = records[i + 1];
    timestamps[i] = rec[tsIdx];
    for (let k = 0; k < d; k++) {
      const cell = rec[featIdx[k]];
      const v = Number(cell);
      if (cell === '' || !Number.isFinite(v)) {
        throw new DatasetError(`${file}: row ${i + 2}, column ${JSON.stringify(header[featIdx[k]])}: expected a number, got ${JSON.stringify(cell)}`);
      }
      data[i * d + k] = v;
    }
    if (labels) {
      const l = Number(rec[labelIdx]);
      if (l !== 0 && l !== 1) throw new DatasetError(`${file}: row ${i + 2}, column ${JSON.stringify(spec.labelColumn)}: expected 0 or 1, got ${JSON.stringify(rec[labelIdx])}`);
      labels[i] = l;
    }
  }
  const relPath = root === undefined ? file : relative(root, file).split(sep).join('/');
  return { file, relPath, columns: featIdx.map((j) => header[j]), timestamps, data, rows, labels };
}

/** All `.csv` files under dir, recursively, in a stable (sorted, numeric-aware) order. */
export function findCsvFiles(dir: string): string[] {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new DatasetError(`${dir}: dataset directory not found`);
  }
  if (!st.isDirectory()) throw new DatasetError(`${dir}: expected a directory of CSV files`);
  const out: string[] = [];
  const walk = (d: string): void => {
    const names = readdirSync(d).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    for (const name of names) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.toLowerCase().endsWith('.csv')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Loads every labelled CSV under dir; unlabelled files (SKAB's anomaly-free.csv) are skipped, as the benchmark does. */
export function loadDataset(dir: string, spec: TableSpec): { tables: Table[]; skipped: string[] } {
  const tables: Table[] = [];
  const skipped: string[] = [];
  for (const file of findCsvFiles(dir)) {
    const t = loadTable(file, spec, dir);
    if (spec.labelColumn !== undefined && t.labels === undefined) skipped.push(t.relPath);
    else tables.push(t);
  }
  if (tables.length === 0) throw new DatasetError(`${dir}: no labelled CSV files found`);
  return { tables, skipped };
}
