/** A whole dataset under one configuration: every file evaluated, confusion counts summed over all files. */
import type { Table } from './dataset.ts';
import type { EvaluationConfig } from './config.ts';
import { emptyConfusion, metrics, type DetectionMetrics } from './metrics.ts';
import { evaluateTable, type FileResult } from './run.ts';

export interface DatasetResult {
  model: string;
  int8: boolean;
  files: FileResult[];
  totals?: DetectionMetrics;
  /** Largest exported model over the files, bytes. */
  maxModelBytes: number;
}

export async function evaluateDataset(
  tables: readonly Table[],
  trainRows: number,
  config: EvaluationConfig,
  onFile?: (done: number, total: number, file: FileResult) => void,
): Promise<DatasetResult> {
  const files: FileResult[] = [];
  const sum = emptyConfusion();
  let labelled = 0;
  let maxModelBytes = 0;
  for (const t of tables) {
    const r = await evaluateTable(t, trainRows, config);
    files.push(r);
    maxModelBytes = Math.max(maxModelBytes, r.modelBytes);
    if (r.confusion) {
      labelled++;
      sum.tp += r.confusion.tp;
      sum.fp += r.confusion.fp;
      sum.tn += r.confusion.tn;
      sum.fn += r.confusion.fn;
    }
    onFile?.(files.length, tables.length, r);
  }
  return { model: config.model, int8: config.int8, files, totals: labelled > 0 ? metrics(sum) : undefined, maxModelBytes };
}
