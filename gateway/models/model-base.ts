/** What every family's model class shares: its parameters, the normalisation parsed from them, score = Σ contributions. */
import { normalisationFromJSON, outBuffer } from './normalise.ts';
import type { AnomalyModel, Matrix, ModelFamily, ModelParams, Normalisation } from './types.ts';

export abstract class ModelBase<P extends ModelParams> implements AnomalyModel {
  abstract readonly family: ModelFamily;
  readonly nInputs: number;
  readonly normalisation: Normalisation;
  readonly params: P;

  constructor(params: P) {
    this.params = params;
    this.normalisation = normalisationFromJSON(params.normalisation);
    this.nInputs = this.normalisation.mean.length;
  }

  abstract contributions(X: Matrix, nRows: number, out?: Float32Array): Float32Array;

  /** A row's score is the sum of its contributions (accumulated in double precision). */
  score(X: Matrix, nRows: number, out?: Float32Array): Float32Array {
    const n = this.nInputs;
    const C = this.contributions(X, nRows);
    const res = outBuffer(out, nRows, `${this.family} score`);
    for (let r = 0; r < nRows; r++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += C[r * n + j];
      res[r] = s;
    }
    return res;
  }

  toJSON(): P {
    return this.params;
  }
}
