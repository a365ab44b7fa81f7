import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../gateway/core/package-root.ts';
import { openModel, readModelBundle } from '../../gateway/models/index.ts';
import { worstRelative } from './synthetic.ts';

describe('models/skab-pca (shipped sample bundle)', () => {
  const dir = join(packageRoot, 'models/skab-pca');

  it('verifies, loads, and scores like its own TypeScript parameters', async () => {
    const bundle = await readModelBundle(dir);
    const m = bundle.manifest;
    expect(m.family).toBe('pca');
    expect(m.inputs.count).toBe(8);
    expect(m.files.float.bytes).toBeLessThanOrEqual(64 * 1024);
    // The training mean, then ±6 std on one input at a time.
    const rows = 17;
    const X = new Float32Array(rows * 8);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < 8; j++) X[r * 8 + j] = m.normalisation.mean[j] + (r > 0 && (r - 1) % 8 === j ? (r > 8 ? -6 : 6) : 0) * m.normalisation.std[j];
    }
    const ref = bundle.model!.score(X, rows);
    for (const int8 of [false, true]) {
      const opened = await openModel(dir, { int8 });
      const { score } = await opened.scorer.run(X, rows);
      expect(worstRelative(score, ref, int8 ? 5e-2 : 1e-4)).toBeLessThanOrEqual(1);
      await opened.scorer.dispose();
    }
    // The mean row is normal; a 6-std excursion on any single input is beyond the threshold.
    expect(ref[0]).toBeLessThan(m.threshold.value);
    expect(Math.min(...ref.subarray(1))).toBeGreaterThan(m.threshold.value);
  });
});
