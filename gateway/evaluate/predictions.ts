/** `--predictions OUT_DIR`: one CSV per input file at the same relative path, `datetime;score;anomaly_pred` per test row. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FileResult } from './run.ts';

export function predictionsCsv(r: FileResult, separator = ';'): string {
  const lines = [['datetime', 'score', 'anomaly_pred'].join(separator)];
  for (let i = 0; i < r.predictions.length; i++) {
    lines.push(`${r.timestamps[i]}${separator}${r.scores[i].toPrecision(6)}${separator}${r.predictions[i]}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes every file's predictions under outDir; returns the paths written. */
export function writePredictions(outDir: string, files: readonly FileResult[]): string[] {
  return files.map((r) => {
    const path = join(outDir, ...r.relPath.split('/'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, predictionsCsv(r));
    return path;
  });
}
