/**
 * k-NN as a graph: squared distances to every memory row by one Gemm (−2 z·Mᵀ + ‖m‖²) plus ‖z‖², TopK (smallest k),
 * then the chosen memory rows gathered back for exact per-input squared differences. The memory matrix is int8
 * with one scale per input in the int8 variant; ‖m‖² is computed in the graph from the same (dequantised) rows.
 */
import type { KnnModel } from '../knn.ts';
import type { GraphBuilder } from './graph.ts';

export function exportKnn(g: GraphBuilder, model: KnnModel, z: string, int8: boolean): void {
  const n = model.nInputs;
  const { k, rows } = model.params;
  const memory = g.weights('memory', rows, n, model.memory, int8);
  const zz = g.reduceSumRows(g.node('Mul', [z, z]), true);
  const mm = g.reduceSumRows(g.node('Mul', [memory, memory]), false);
  const cross = g.node('Gemm', [z, memory, mm], { alpha: { f: -2 }, beta: { f: 1 }, transB: { i: 1 } });
  const d2 = g.node('Add', [cross, zz]);
  const [, nearest] = g.nodeOutputs('TopK', [d2, g.int64s('k', [1], [k])], ['knn_d2', 'knn_index'], { axis: { i: -1 }, largest: { i: 0 }, sorted: { i: 1 } });
  const neighbours = g.node('Gather', [memory, nearest], { axis: { i: 0 } });
  const diff = g.node('Sub', [g.node('Reshape', [z, g.int64s('z3_shape', [3], [-1, 1, n])]), neighbours]);
  const perInput = g.reduceSumRows(g.node('Mul', [diff, diff]), false);
  g.node('Mul', [perInput, g.floats('inv_kn', [1], [1 / (k * n)])], {}, 'contributions');
  g.reduceSumRows('contributions', false, 'score');
}
