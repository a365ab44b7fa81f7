/**
 * k-nearest-neighbour distance to remembered normal rows. Hand-written: the search is a brute-force scan of at
 * most a few hundred memory rows, which is exactly what the ONNX graph does too (Gemm distances + TopK).
 */
import { ModelBase } from './model-base.ts';
import { checkMatrix, fitNormalisation, normalisationToJSON, outBuffer, standardise } from './normalise.ts';
import type { KnnOptions, KnnParams, Matrix } from './types.ts';

/** Memory budget in bytes of float32 rows, so the float model stays under 64 KB with room for the graph. */
const MEMORY_BUDGET = 48 * 1024;

export class KnnModel extends ModelBase<KnnParams> {
  readonly family = 'knn' as const;
  readonly memory: Float64Array;

  constructor(params: KnnParams) {
    super(params);
    this.memory = Float64Array.from(params.memory);
  }

  contributions(X: Matrix, nRows: number, out?: Float32Array): Float32Array {
    const n = this.nInputs;
    const { k, rows: m } = this.params;
    const M = this.memory;
    const res = outBuffer(out, nRows * n, 'knn contributions');
    const Z = standardise(X, nRows, this.normalisation);
    const dist = new Float64Array(m);
    const order = new Uint32Array(m);
    for (let r = 0; r < nRows; r++) {
      const o = r * n;
      for (let i = 0; i < m; i++) {
        let d = 0;
        for (let j = 0; j < n; j++) d += (Z[o + j] - M[i * n + j]) ** 2;
        dist[i] = d;
        order[i] = i;
      }
      // Partial selection of the k smallest (ties: lower index first, as TopK does).
      for (let a = 0; a < k; a++) {
        let best = a;
        for (let i = a + 1; i < m; i++) {
          if (dist[order[i]] < dist[order[best]] || (dist[order[i]] === dist[order[best]] && order[i] < order[best])) best = i;
        }
        [order[a], order[best]] = [order[best], order[a]];
      }
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let a = 0; a < k; a++) s += (Z[o + j] - M[order[a] * n + j]) ** 2;
        res[o + j] = s / (k * n);
      }
    }
    return res;
  }
}

export function fitKnn(X: Matrix, nRows: number, nCols: number, options: KnnOptions = {}): KnnModel {
  checkMatrix(X, nRows, nCols, 'fitKnn');
  const k = options.k ?? 3;
  const maxMemory = options.maxMemory ?? Math.max(1, Math.floor(MEMORY_BUDGET / (4 * nCols)));
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`fitKnn: k must be a positive integer, got ${k}`);
  if (!Number.isInteger(maxMemory) || maxMemory < 1) throw new RangeError(`fitKnn: maxMemory must be a positive integer, got ${maxMemory}`);
  // At most every other training row: a row in memory scores 0 against itself, so the rows left out are what
  // tells a threshold calibrated on training scores how unseen normal rows score.
  const rows = Math.min(Math.ceil(nRows / 2), maxMemory);
  if (k > rows) throw new RangeError(`fitKnn: k = ${k} needs at least ${k} memory rows, the data gives ${rows}`);
  const norm = fitNormalisation(X, nRows, nCols);
  const Z = standardise(X, nRows, norm);
  const memory: number[] = [];
  // An even stride keeps the whole span of normal operation, not just its beginning.
  for (let i = 0; i < rows; i++) {
    const src = Math.floor((i * nRows) / rows);
    for (let j = 0; j < nCols; j++) memory.push(Z[src * nCols + j]);
  }
  return new KnnModel({ family: 'knn', normalisation: normalisationToJSON(norm), k, memory, rows });
}
