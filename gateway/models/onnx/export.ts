/**
 * toOnnx: each family's scoring written as an ONNX graph. Contract of every graph: input `x` float32 [N, n] of raw
 * feature values; outputs `score` float32 [N] and `contributions` float32 [N, n]. Normalisation is the graph's
 * first two nodes (Sub mean, Div std), so callers never normalise.
 */
import { AE_TANH, type Autoencoder } from '../autoencoder.ts';
import type { IsolationForest } from '../iforest.ts';
import type { KnnModel } from '../knn.ts';
import type { PcaModel } from '../pca.ts';
import type { AnomalyModel } from '../types.ts';
import { exportIsolationForest } from './export-iforest.ts';
import { exportKnn } from './export-knn.ts';
import { GraphBuilder } from './graph.ts';

export const DEFAULT_OPSET = 17;
export const INPUT_NAME = 'x';
export const OUTPUT_NAMES = ['score', 'contributions'] as const;

export interface OnnxExportOptions {
  /** int8 weights (PCA/AE: per-channel DequantizeLinear; iforest: int8-coded inputs and thresholds). */
  int8?: boolean;
  /** ai.onnx opset, 11–23 (int8 needs ≥ 13). Default 17. */
  opset?: number;
  /** ai.onnx.ml opset for the isolation forest: 1 or 3 (onnxruntime 1.30 rejects TreeEnsembleRegressor at 5). */
  mlOpset?: 1 | 3;
}

export function toOnnx(model: AnomalyModel, options: OnnxExportOptions = {}): Uint8Array {
  const opset = options.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < 11 || opset > 23) throw new RangeError(`toOnnx: opset must be an integer in 11–23, got ${opset}`);
  const int8 = options.int8 ?? false;
  const g = new GraphBuilder(opset);
  const n = model.nInputs;
  g.input(INPUT_NAME, ['N', n]);
  const z = normaliseNodes(g, model);
  switch (model.family) {
    case 'pca': pcaNodes(g, model as PcaModel, z, int8); break;
    case 'ae': aeNodes(g, model as Autoencoder, z, int8); break;
    case 'iforest': exportIsolationForest(g, model as IsolationForest, z, int8); break;
    case 'knn': exportKnn(g, model as KnnModel, z, int8); break;
    default: throw new RangeError(`toOnnx: unknown model family '${String(model.family)}'`);
  }
  g.output('score', ['N']);
  g.output('contributions', ['N', n]);
  return g.encode(`telltale_${model.family}${int8 ? '_int8' : ''}`, `Telltale ${model.family} anomaly model, ${n} inputs`, options.mlOpset ?? 3);
}

function normaliseNodes(g: GraphBuilder, model: AnomalyModel): string {
  const n = model.nInputs;
  const mean = g.floats('mean', [n], model.normalisation.mean);
  const std = g.floats('std', [n], model.normalisation.std);
  return g.node('Div', [g.node('Sub', [INPUT_NAME, mean]), std], {}, 'z');
}

/** contributions = (z·R')² + z∘(z·M'); score = Σ_j contributions (see PcaModel). */
function pcaNodes(g: GraphBuilder, model: PcaModel, z: string, int8: boolean): void {
  const n = model.nInputs;
  const terms: string[] = [];
  if (model.params.scoreKind !== 't2') {
    const r = g.node('MatMul', [z, g.weights('residual', n, n, model.residualMatrix, int8)]);
    terms.push(g.node('Mul', [r, r], {}, 'q_part'));
  }
  if (model.params.scoreKind !== 'q') {
    const w = g.node('MatMul', [z, g.weights('t2', n, n, model.t2Matrix, int8)]);
    terms.push(g.node('Mul', [z, w], {}, 't2_part'));
  }
  if (terms.length === 2) g.node('Add', terms, {}, 'contributions');
  else g.node('Identity', terms, {}, 'contributions');
  g.reduceSumRows('contributions', false, 'score');
}

/** Gemm per layer (tanh where the reference has it); contributions = (z − ẑ)² / n. */
function aeNodes(g: GraphBuilder, model: Autoencoder, z: string, int8: boolean): void {
  let h = z;
  model.layers.forEach((layer, i) => {
    const W = g.weights(`W${i}`, layer.nIn, layer.nOut, layer.W, int8);
    const b = g.floats(`b${i}`, [layer.nOut], layer.b);
    h = g.node('Gemm', [h, W, b]);
    if (AE_TANH[i]) h = g.node('Tanh', [h]);
  });
  const d = g.node('Sub', [z, h]);
  const sq = g.node('Mul', [d, d]);
  g.node('Mul', [sq, g.floats('inv_n', [1], [1 / model.nInputs])], {}, 'contributions');
  g.reduceSumRows('contributions', false, 'score');
}
