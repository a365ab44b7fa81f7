/** One entry point over the families, for the CLI, on-device learning and the evaluation. */
import { Autoencoder, fitAutoencoder } from './autoencoder.ts';
import { fitIsolationForest, IsolationForest } from './iforest.ts';
import { fitKnn, KnnModel } from './knn.ts';
import { fitPca, PcaModel } from './pca.ts';
import type { AnomalyModel, AutoencoderOptions, IsolationForestOptions, KnnOptions, Matrix, ModelFamily, ModelParams, PcaOptions } from './types.ts';

export interface FitOptions {
  pca?: PcaOptions;
  ae?: AutoencoderOptions;
  iforest?: IsolationForestOptions;
  knn?: KnnOptions;
  /** Progress of the slow families, as a fraction in [0, 1]. */
  onProgress?: (fraction: number) => void;
}

export async function fitModel(family: ModelFamily, X: Matrix, nRows: number, nCols: number, options: FitOptions = {}): Promise<AnomalyModel> {
  const progress = options.onProgress;
  switch (family) {
    case 'pca': {
      const model = fitPca(X, nRows, nCols, options.pca);
      progress?.(1);
      return model;
    }
    case 'ae':
      return fitAutoencoder(X, nRows, nCols, {
        ...options.ae,
        onProgress: (epoch, epochs, loss) => { options.ae?.onProgress?.(epoch, epochs, loss); progress?.(epoch / epochs); },
      });
    case 'iforest':
      return fitIsolationForest(X, nRows, nCols, {
        ...options.iforest,
        onProgress: (done, total) => { options.iforest?.onProgress?.(done, total); progress?.(done / total); },
      });
    case 'knn': {
      const model = fitKnn(X, nRows, nCols, options.knn);
      progress?.(1);
      return model;
    }
    default:
      throw new RangeError(`unknown model family '${String(family)}', expected one of pca, ae, iforest, knn`);
  }
}

export function modelFromJSON(params: ModelParams): AnomalyModel {
  switch (params.family) {
    case 'pca': return new PcaModel(params);
    case 'ae': return new Autoencoder(params);
    case 'iforest': return new IsolationForest(params);
    case 'knn': return new KnnModel(params);
    default:
      throw new RangeError(`unknown model family '${String((params as { family?: unknown }).family)}', expected one of pca, ae, iforest, knn`);
  }
}
