/**
 * The shapes shared by every model family. Data is row-major: `X[r * nCols + c]` is row r, input c.
 * Every model learns a per-input normalisation from its (normal) training data and bakes it into its ONNX graph,
 * so both the TypeScript reference and the exported graph take RAW feature values.
 *
 * For every family the contributions of one row sum to its score (see each family for what they mean), so an
 * alert can name the inputs that drive it.
 */

export type ModelFamily = 'pca' | 'ae' | 'iforest' | 'knn';
export const MODEL_FAMILIES: readonly ModelFamily[] = ['pca', 'ae', 'iforest', 'knn'];

/** Training data: a row-major matrix. Float32 or Float64; nothing is copied unless it must be. */
export type Matrix = Float32Array | Float64Array;

/** z = (x - mean) / std per input; inputs with (near) zero spread get std 1 so they never divide by zero. */
export interface Normalisation {
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

/** What every trained model offers: the TypeScript reference the ONNX graph must reproduce. */
export interface AnomalyModel {
  readonly family: ModelFamily;
  /** Number of inputs (columns) a row has. */
  readonly nInputs: number;
  readonly normalisation: Normalisation;
  /** One anomaly score per row (higher = more anomalous). `out` (length ≥ nRows) is filled and returned if given. */
  score(X: Matrix, nRows: number, out?: Float32Array): Float32Array;
  /** nRows × nInputs, row-major: how much each input drives the row's score; a row's entries sum to its score. */
  contributions(X: Matrix, nRows: number, out?: Float32Array): Float32Array;
  /** Plain-JSON parameters, enough to rebuild the model (`modelFromJSON`). */
  toJSON(): ModelParams;
}

/** Serialisable parameters of any family (the `family` field tells which). */
export type ModelParams = PcaParams | AutoencoderParams | IsolationForestParams | KnnParams;

export interface NormalisationJSON {
  mean: number[];
  std: number[];
}

/**
 * PCA: z-scores projected on the k leading principal axes P (nInputs × k, column j = axis j), eigenvalues λ.
 * T² = Σ t_k²/λ_k with t = Pᵀz; Q (SPE) = ‖z − P Pᵀ z‖².
 * score = Q/qLimit + T²/t2Limit ('combined'), or Q/qLimit ('q'), or T²/t2Limit ('t2'); the limits are the
 * `limitQuantile` quantiles of the training rows' Q and T², so a normal row scores about 1 per statistic at most.
 * contributions_j = r_j²/qLimit + z_j·(P Λ⁻¹ Pᵀ z)_j / t2Limit (squared residual + complete-decomposition T² part).
 */
export interface PcaParams {
  family: 'pca';
  normalisation: NormalisationJSON;
  /** Row-major nInputs × k. */
  components: number[];
  k: number;
  eigenvalues: number[];
  qLimit: number;
  t2Limit: number;
  scoreKind: PcaScoreKind;
  varianceKept: number;
}
export type PcaScoreKind = 'combined' | 'q' | 't2';

export interface PcaOptions {
  /** Keep the fewest components that explain this share of the variance (default 0.9). */
  varianceKept?: number;
  /** Or keep exactly this many components (wins over varianceKept). */
  components?: number;
  /** Which statistic(s) make the score (default 'combined'). */
  score?: PcaScoreKind;
  /** Quantile of the training Q and T² used as their limits (default 0.99). */
  limitQuantile?: number;
}

/**
 * Dense autoencoder on z-scores: n → hidden (tanh) → bottleneck (linear) → hidden (tanh) → n (linear).
 * score = mean over inputs of (z_j − ẑ_j)²; contributions_j = (z_j − ẑ_j)² / n.
 */
export interface AutoencoderParams {
  family: 'ae';
  normalisation: NormalisationJSON;
  /** Layer sizes, e.g. [8, 16, 4, 16, 8]. */
  sizes: number[];
  /** Per layer: weights row-major (in × out) and biases (out). */
  layers: { weights: number[]; bias: number[] }[];
}

export interface AutoencoderOptions {
  /** Hidden width (default max(8, 2n)). */
  hidden?: number;
  /** Bottleneck width (default max(2, ceil(n/3))). */
  bottleneck?: number;
  /** Passes over the data (default 60). */
  epochs?: number;
  /** Adam learning rate (default 3e-3). */
  learningRate?: number;
  batchSize?: number;
  /** Seed of the weight init and shuffling, so training is reproducible (default 1). */
  seed?: number;
  /** Called after each epoch with the mean training loss. */
  onProgress?: (epoch: number, epochs: number, loss: number) => void;
}

/**
 * Isolation forest (Liu et al. 2008) on z-scores. score = 2^(−E[h(x)]/c(ψ)) in (0, 1], ~0.5 for normal rows.
 * contributions_j = score · z_j² / Σ_k z_k²: the score shared out by each input's squared deviation from its
 * training mean (the trees themselves say little per input once averaged; this is cheap in the graph).
 */
export interface IsolationForestParams {
  family: 'iforest';
  normalisation: NormalisationJSON;
  sampleSize: number;
  trees: TreeJSON[];
  /** Per input, min and max of the training z-scores: the range the int8 grid covers. */
  zMin: number[];
  zMax: number[];
}

/** Nodes in pre-order: feature −1 marks a leaf whose `value` is its path length h = depth + c(size). */
export interface TreeJSON {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface IsolationForestOptions {
  /** Number of trees (default 50; with ψ 64 the ONNX model stays under 64 KB). */
  trees?: number;
  /** Rows sub-sampled per tree, ψ (default 64). */
  sampleSize?: number;
  /** Depth limit (default ceil(log2 ψ)). */
  maxDepth?: number;
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * k nearest neighbours on z-scores: the model keeps (a stride sample of) the normal training rows as memory
 * vectors, as MSET-style similarity models do. score = mean over the k nearest memory rows of ‖z − m‖² / n;
 * contributions_j = mean over those rows of (z_j − m_j)² / n.
 */
export interface KnnParams {
  family: 'knn';
  normalisation: NormalisationJSON;
  k: number;
  /** Row-major rows × n memory vectors (z-scores). */
  memory: number[];
  rows: number;
}

export interface KnnOptions {
  /** Neighbours averaged (default 3). */
  k?: number;
  /** Memory rows kept at most, an even stride through the training rows: half of them, capped at what fits in 48 KB. */
  maxMemory?: number;
}
