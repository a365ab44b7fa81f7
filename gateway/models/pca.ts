/**
 * PCA with Hotelling T² and Q (SPE) on z-scores. ml-matrix does the eigen-decomposition of the covariance.
 * The scoring is written the way the ONNX graph computes it — r = z·R' with R' = (I − P Pᵀ)/√qLimit and
 * w = z·M' with M' = P Λ⁻¹ Pᵀ / t2Limit, contributions = r² + z∘w — so reference and graph agree term by term.
 */
import { EigenvalueDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import { ModelBase } from './model-base.ts';
import { checkMatrix, fitNormalisation, normalisationToJSON, outBuffer, standardise } from './normalise.ts';
import { quantileThreshold } from './threshold.ts';
import type { Matrix, PcaOptions, PcaParams, PcaScoreKind } from './types.ts';

/** Eigenvalues below this (relative to the largest) are floored, so T² of a near-constant axis stays finite. */
const MIN_EIGEN_RATIO = 1e-9;

export class PcaModel extends ModelBase<PcaParams> {
  readonly family = 'pca' as const;
  /** nInputs × nInputs row-major, the residual projector scaled by 1/√qLimit (zero for score 't2'). */
  readonly residualMatrix: Float64Array;
  /** nInputs × nInputs row-major, P Λ⁻¹ Pᵀ / t2Limit (zero for score 'q'). */
  readonly t2Matrix: Float64Array;

  constructor(params: PcaParams) {
    super(params);
    const n = this.nInputs;
    const { components: P, k, eigenvalues } = params;
    this.residualMatrix = new Float64Array(n * n);
    this.t2Matrix = new Float64Array(n * n);
    const rScale = params.scoreKind === 't2' ? 0 : 1 / Math.sqrt(params.qLimit);
    const tScale = params.scoreKind === 'q' ? 0 : 1 / params.t2Limit;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let ppt = 0;
        let plp = 0;
        for (let a = 0; a < k; a++) {
          ppt += P[i * k + a] * P[j * k + a];
          plp += (P[i * k + a] * P[j * k + a]) / eigenvalues[a];
        }
        this.residualMatrix[i * n + j] = ((i === j ? 1 : 0) - ppt) * rScale;
        this.t2Matrix[i * n + j] = plp * tScale;
      }
    }
  }

  /** Unscaled Q (SPE) and T² per row — the statistics themselves, for limits and invariants. */
  statistics(X: Matrix, nRows: number): { q: Float64Array; t2: Float64Array } {
    const { components: P, k, eigenvalues } = this.params;
    const n = this.nInputs;
    const Z = standardise(X, nRows, this.normalisation);
    const q = new Float64Array(nRows);
    const t2 = new Float64Array(nRows);
    const t = new Float64Array(k);
    for (let r = 0; r < nRows; r++) {
      const o = r * n;
      for (let a = 0; a < k; a++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += Z[o + j] * P[j * k + a];
        t[a] = s;
        t2[r] += (s * s) / eigenvalues[a];
      }
      for (let j = 0; j < n; j++) {
        let zhat = 0;
        for (let a = 0; a < k; a++) zhat += P[j * k + a] * t[a];
        q[r] += (Z[o + j] - zhat) ** 2;
      }
    }
    return { q, t2 };
  }

  contributions(X: Matrix, nRows: number, out?: Float32Array): Float32Array {
    const n = this.nInputs;
    const res = outBuffer(out, nRows * n, 'pca contributions');
    const Z = standardise(X, nRows, this.normalisation);
    const R = this.residualMatrix;
    const M = this.t2Matrix;
    for (let r = 0; r < nRows; r++) {
      const o = r * n;
      for (let j = 0; j < n; j++) {
        let rj = 0;
        let wj = 0;
        for (let i = 0; i < n; i++) {
          rj += Z[o + i] * R[i * n + j];
          wj += Z[o + i] * M[i * n + j];
        }
        res[o + j] = rj * rj + Z[o + j] * wj;
      }
    }
    return res;
  }

}

export function fitPca(X: Matrix, nRows: number, nCols: number, options: PcaOptions = {}): PcaModel {
  checkMatrix(X, nRows, nCols, 'fitPca');
  if (nRows < 2) throw new RangeError(`fitPca: needs at least 2 rows, got ${nRows}`);
  const varianceKept = options.varianceKept ?? 0.9;
  if (!(varianceKept > 0 && varianceKept <= 1)) throw new RangeError(`fitPca: varianceKept must be in (0, 1], got ${varianceKept}`);
  const scoreKind: PcaScoreKind = options.score ?? 'combined';
  const limitQuantile = options.limitQuantile ?? 0.99;
  const norm = fitNormalisation(X, nRows, nCols);
  const Z = standardise(X, nRows, norm);
  const cov = new MlMatrix(nCols, nCols);
  for (let i = 0; i < nCols; i++) {
    for (let j = i; j < nCols; j++) {
      let s = 0;
      for (let r = 0; r < nRows; r++) s += Z[r * nCols + i] * Z[r * nCols + j];
      cov.set(i, j, s / (nRows - 1));
      cov.set(j, i, s / (nRows - 1));
    }
  }
  const evd = new EigenvalueDecomposition(cov, { assumeSymmetric: true });
  const order = evd.realEigenvalues.map((v, i) => [Math.max(0, v), i] as const).sort((a, b) => b[0] - a[0]);
  const total = order.reduce((s, [v]) => s + v, 0) || 1;
  // Keep at least one axis and leave at least one for the residual, or Q would be identically zero.
  const maxK = Math.max(1, nCols - 1);
  let k: number;
  if (options.components !== undefined) {
    if (!Number.isInteger(options.components) || options.components < 1 || options.components > maxK) {
      throw new RangeError(`fitPca: components must be an integer in [1, ${maxK}] for ${nCols} inputs, got ${options.components}`);
    }
    k = options.components;
  } else {
    let acc = 0;
    k = 0;
    while (k < maxK && acc / total < varianceKept) acc += order[k++][0];
    k = Math.max(1, k);
  }
  const V = evd.eigenvectorMatrix;
  const components: number[] = new Array(nCols * k);
  const floor = (order[0][0] || 1) * MIN_EIGEN_RATIO;
  const eigenvalues = order.slice(0, k).map(([v]) => Math.max(v, floor));
  for (let a = 0; a < k; a++) for (let j = 0; j < nCols; j++) components[j * k + a] = V.get(j, order[a][1]);
  const explained = order.slice(0, k).reduce((s, [v]) => s + v, 0) / total;
  const draft = new PcaModel({
    family: 'pca', normalisation: normalisationToJSON(norm), components, k, eigenvalues,
    qLimit: 1, t2Limit: 1, scoreKind, varianceKept: explained,
  });
  const { q, t2 } = draft.statistics(X, nRows);
  // Limits are floored so a perfectly reconstructed training set (Q ≡ 0) does not make every residual infinite.
  const qLimit = Math.max(quantileThreshold(q, limitQuantile), 1e-6);
  const t2Limit = Math.max(quantileThreshold(t2, limitQuantile), 1e-6);
  return new PcaModel({ ...draft.params, qLimit, t2Limit });
}
