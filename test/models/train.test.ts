import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../gateway/cli/main.ts';
import { OnnxScorer, quantileThreshold, readModelBundle } from '../../gateway/models/index.ts';
import { loadTrainingData } from '../../gateway/models/training-data.ts';
import { plantData } from './synthetic.ts';

const root = mkdtempSync(join(tmpdir(), 'telltale-train-'));
const csv = join(root, 'normal.csv');
const cols = ['vib', 'current', 'pressure', 'flow'];
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(() => {
  const d = plantData(600, 4);
  const lines = [`datetime;${cols.join(';')};anomaly`];
  for (let r = 0; r < d.nRows; r++) {
    const ts = new Date(Date.UTC(2026, 0, 1, 0, 0, r)).toISOString();
    // The last 50 rows are labelled anomalous: training must leave them out.
    lines.push(`${ts};${Array.from(d.X.subarray(r * 4, r * 4 + 4)).join(';')};${r >= 550 ? 1 : 0}`);
  }
  writeFileSync(csv, `${lines.join('\n')}\n`);
});

async function telltale(...args: string[]): Promise<{ out: string; err: string; code: number | undefined }> {
  let out = '';
  let err = '';
  const w1 = process.stdout.write;
  const w2 = process.stderr.write;
  process.stdout.write = ((s: string) => { out += s; return true }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => { err += s; return true }) as typeof process.stderr.write;
  process.exitCode = undefined;
  try {
    await (await buildProgram()).exitOverride().parseAsync(['node', 'telltale', ...args]);
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
  const code = process.exitCode as number | undefined;
  process.exitCode = undefined;
  return { out, err, code };
}

/**
 * The reference definition the threshold follows, written here independently of gateway/models/threshold.ts:
 * Hyndman & Fan (1996) sample quantile type 7 (R's default, numpy's "linear", Excel's PERCENTILE.INC), 1-based:
 * h = (n - 1) p + 1, Q(p) = x[⌊h⌋] + (h - ⌊h⌋) (x[⌊h⌋ + 1] - x[⌊h⌋]), x sorted ascending, x[n + 1] = x[n].
 */
function type7Quantile(values: ArrayLike<number>, p: number): number {
  const x = Array.from(values).sort((a, b) => a - b);
  const h = (x.length - 1) * p + 1;
  const j = Math.floor(h);
  return x[j - 1] + (h - j) * ((x[j] ?? x[j - 1]) - x[j - 1]);
}

describe('quantileThreshold against hand-computed type-7 quantiles', () => {
  // Worked by hand; the first is the 40th percentile of Wikipedia's "Percentile" example list (linear
  // interpolation between closest ranks, C = 1: 20 + 0.6 × (35 − 20) = 29).
  it.each([
    [[15, 20, 35, 40, 50], 0.4, 29],
    [[1, 2, 3, 4], 0.5, 2.5], // h = 2.5: halfway between 2 and 3
    [[50, 10, 40, 20, 30], 0.9, 46], // unsorted input; h = 4.6: 40 + 0.6 × 10
    [[3, 1, 2], 0.25, 1.5], // h = 1.5
    [[7, 7, 7], 0.99, 7],
    [[-2, 5], 1, 5], // p = 1 is the maximum, no interpolation past the end
    [[0, 100], 0.99, 99], // h = 1.99
  ])('quantile of %j at %f is %f', (values, p, expected) => {
    expect(quantileThreshold(values, p)).toBeCloseTo(expected, 12);
    expect(type7Quantile(values, p)).toBeCloseTo(expected, 12);
  });
  it('refuses p outside (0, 1] and no values', () => {
    expect(() => quantileThreshold([1], 0)).toThrow(RangeError);
    expect(() => quantileThreshold([], 0.5)).toThrow(RangeError);
  });
});

describe('telltale train', () => {
  for (const family of ['pca', 'ae', 'iforest', 'knn']) {
    it(`fits ${family} on the normal rows and writes float, int8 and a manifest with a calibrated threshold`, async () => {
      const out = join(root, `m-${family}`);
      const r = await telltale('train', '--data', csv, '--model', family, '--out', out, '--epochs', '5', '--trees', '16', '--no-progress');
      expect(r.err).toBe('');
      expect(r.out).toContain('on 550 rows × 4 inputs (vib, current, pressure, flow)');
      expect(r.out).toContain('left out 50 rows labelled anomalous');
      const bundle = await readModelBundle(out);
      const m = bundle.manifest;
      expect(m.family).toBe(family);
      expect(m.training.rows).toBe(550);
      expect(m.training.span).toEqual({ from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T00:09:09.000Z' });
      // The threshold is the 0.99 quantile of the ONNX model's training scores.
      const scorer = await OnnxScorer.create(bundle.floatBytes);
      const data = loadTrainingData(csv);
      const { score } = await scorer.run(Float32Array.from(data.X), data.nRows);
      await scorer.dispose();
      expect(m.threshold.value).toBeCloseTo(type7Quantile(score, 0.99), 5);
      expect(m.threshold.int8Value).toBeGreaterThan(0);
      expect(m.files.int8.bytes).toBeGreaterThan(0);
    });
  }

  it('takes a column subset, the first rows per file and another quantile', async () => {
    const out = join(root, 'subset');
    await telltale('train', '--data', csv, '--out', out, '--columns', 'flow,vib', '--train-rows', '100', '--threshold-quantile', '0.9', '--no-progress');
    const m = JSON.parse(readFileSync(join(out, 'subset.manifest.json'), 'utf8'));
    expect(m.inputs.names).toEqual(['flow', 'vib']);
    expect(m.training.rows).toBe(100);
    expect(m.threshold.method).toContain('quantile 0.9 ');
  });

  it('names the file and column it cannot use', async () => {
    const r = await telltale('train', '--data', csv, '--out', join(root, 'bad'), '--columns', 'vib,torque', '--no-progress');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${csv}: column "torque" not found (numeric columns: vib, current, pressure, flow)`);
    const r2 = await telltale('train', '--data', join(root, 'nothing.csv'), '--out', join(root, 'bad'), '--no-progress');
    expect(r2.err).toContain('nothing.csv: no such file or directory');
  });
});
