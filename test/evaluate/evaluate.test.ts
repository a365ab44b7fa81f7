import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEvaluate } from '../../gateway/cli/commands/evaluate.ts';
import { loadDataset, loadTable, SKAB_SPEC } from '../../gateway/evaluate/dataset.ts';
import { intervals } from '../../gateway/evaluate/plot.ts';

const FIXTURE = new URL('../fixtures/evaluate/tiny', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'telltale-evaluate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The configuration the fixture's README computes its confusion matrix for. */
const tiny = {
  dataset: 'csv' as const,
  data: FIXTURE,
  model: 'pca',
  precision: 'float' as const,
  trainRows: 20,
  separator: ';',
  timestampColumn: 'time',
  labelColumn: 'label',
  window: 2,
  features: 'mean,std',
  smoothing: 0,
  margin: 3,
  closeRatio: 1,
  minOpen: 1,
};

describe('telltale evaluate', () => {
  it('does reproduce the known confusion matrix of the hand-made dataset, per file and summed', async () => {
    let printed = '';
    const [r] = await runEvaluate(tiny, (s) => (printed += s));
    expect(r.files.map((f) => [f.relPath, f.confusion])).toEqual([
      ['line2/plant-b.csv', { tp: 6, fp: 1, tn: 13, fn: 0 }],
      ['plant-a.csv', { tp: 6, fp: 1, tn: 11, fn: 2 }],
    ]);
    expect(r.totals).toMatchObject({ tp: 12, fp: 2, tn: 24, fn: 2 });
    expect(r.totals!.f1).toBeCloseTo(6 / 7, 9);
    expect(printed).toMatch(/skipped \(no labels\): normal\.csv/);
    expect(printed).toMatch(/telltale pca\s+0\.857\s+7\.69 %\s+14\.29 %/);
  });

  it('does write one predictions file per input at the same relative path, one row per test row', async () => {
    const out = join(tmp, 'pred');
    await runEvaluate({ ...tiny, predictions: out }, () => {});
    const lines = readFileSync(join(out, 'line2', 'plant-b.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('datetime;score;anomaly_pred');
    expect(lines).toHaveLength(1 + 20);
    expect(lines[1]).toMatch(/^2024-01-01 00:00:20;[-0-9.e+]+;0$/);
    const pred = lines.slice(1).map((l) => Number(l.split(';')[2]));
    expect(intervals(pred)).toEqual([[10, 17]]);
    expect(readFileSync(join(out, 'plant-a.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(21);
  });

  it('does print JSON and draw a plot of the chosen file', async () => {
    let printed = '';
    const svg = join(tmp, 'a.svg');
    await runEvaluate({ ...tiny, json: true, plot: svg, file: 'plant-a.csv' }, (s) => (printed += s));
    const j = JSON.parse(printed);
    expect(j.results[0].totals.tp).toBe(12);
    const text = readFileSync(svg, 'utf8');
    expect(text).toMatch(/^<svg /);
    expect(text).toContain('plant-a.csv');
    expect((text.match(/<rect /g) ?? []).length).toBe(3); // background, one fault interval, one alert
  });

  /** The fixture's files (relative paths) with each row mapped by fn, written under a new directory. */
  const rewrite = (name: string, fn: (cells: string[], row: number, file: string) => string[]): string => {
    const out = join(tmp, name);
    for (const rel of ['plant-a.csv', 'line2/plant-b.csv', 'normal.csv']) {
      const lines = readFileSync(join(FIXTURE, rel), 'utf8').trimEnd().split('\n');
      mkdirSync(dirname(join(out, rel)), { recursive: true });
      writeFileSync(join(out, rel), `${lines.map((l, i) => fn(l.split(';'), i, rel).join(';')).join('\n')}\n`);
    }
    return out;
  };
  const predictionsOf = (dir: string): Record<string, string> => Object.fromEntries(['plant-a.csv', 'line2/plant-b.csv'].map((f) => [f, readFileSync(join(dir, f), 'utf8')]));

  it('does score an unlabelled CSV (no --label-column, no label column in the files): predictions only, no metrics, the same predictions as the labelled run', async () => {
    // The fixture without its label column: the only inputs left are x and y.
    const data = rewrite('no-labels', (cells, _row, rel) => (rel === 'normal.csv' ? cells : cells.slice(0, 3)));
    expect(readFileSync(join(data, 'plant-a.csv'), 'utf8').split('\n')[0]).toBe('time;x;y');
    let printed = '';
    const out = join(tmp, 'unlabelled');
    const [r] = await runEvaluate({ ...tiny, data, labelColumn: undefined, predictions: out }, (s) => (printed += s));
    expect(r.totals).toBeUndefined();
    expect(r.files.map((f) => f.relPath)).toEqual(['line2/plant-b.csv', 'normal.csv', 'plant-a.csv']);
    expect(readFileSync(join(out, 'normal.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(21);
    expect(printed).not.toMatch(/published/);
    // Oracle independent of the scorer: labels are never an input, so the labelled run (label column declared and
    // dropped) must predict exactly what the run on the files without labels predicts.
    const labelled = join(tmp, 'labelled-pred');
    await runEvaluate({ ...tiny, predictions: labelled }, () => {});
    const a = predictionsOf(out);
    const b = predictionsOf(labelled);
    expect(a['plant-a.csv']).toBe(b['plant-a.csv']);
    expect(a['line2/plant-b.csv']).toBe(b['line2/plant-b.csv']);
  });

  it('does predict the same, byte for byte, when the labels of a labelled set are shuffled (labels never reach the model)', async () => {
    // A fixed permutation of each file's label column (rows 1..40), different from the identity.
    const perm = Array.from({ length: 40 }, (_, i) => (i * 17 + 5) % 40);
    const labelsOf = (rel: string) => readFileSync(join(FIXTURE, rel), 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split(';')[3]);
    const data = rewrite('shuffled', (cells, row, rel) => (row === 0 || rel === 'normal.csv' ? cells : [...cells.slice(0, 3), labelsOf(rel)[perm[row - 1]]]));
    expect(readFileSync(join(data, 'plant-a.csv'), 'utf8')).not.toBe(readFileSync(join(FIXTURE, 'plant-a.csv'), 'utf8'));
    const shuffled = join(tmp, 'shuffled-pred');
    const original = join(tmp, 'original-pred');
    const [rs] = await runEvaluate({ ...tiny, data, predictions: shuffled }, () => {});
    await runEvaluate({ ...tiny, predictions: original }, () => {});
    expect(predictionsOf(shuffled)).toEqual(predictionsOf(original));
    // The metrics do change: the labels were really read and really shuffled.
    expect(rs.totals!.f1).not.toBeCloseTo(6 / 7, 6);
  });

  it('does name the problem for bad input', async () => {
    await expect(runEvaluate({ ...tiny, file: 'nope.csv', plot: join(tmp, 'x.svg') }, () => {})).rejects.toThrow(/--file "nope.csv": not among the evaluated files/);
    await expect(runEvaluate({ ...tiny, plot: join(tmp, 'x.png') }, () => {})).rejects.toThrow(/--plot ".*x\.png": only SVG is drawn/);
    await expect(runEvaluate({ ...tiny, model: 'svm' }, () => {})).rejects.toThrow(/--model: "svm" is not one of pca, ae, iforest/);
    await expect(runEvaluate({ ...tiny, trainRows: undefined }, () => {})).rejects.toThrow(/needs --train-rows/);
    const bad = join(tmp, 'bad.csv');
    writeFileSync(bad, 'datetime;a;anomaly;changepoint\n2020-01-01 00:00:00;x;0;0\n');
    expect(() => loadTable(bad, SKAB_SPEC)).toThrow(/bad\.csv: row 2, column "a": expected a number, got "x"/);
    expect(() => loadDataset(join(tmp, 'missing'), SKAB_SPEC)).toThrow(/missing: dataset directory not found/);
  });
});
