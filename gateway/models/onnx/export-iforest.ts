/**
 * The isolation forest as an ai.onnx.ml TreeEnsembleRegressor: leaf weight = path length / trees, summed, gives
 * E[h(x)]; score = exp(−ln2 · E[h]/c(ψ)) = 2^(−E[h]/c(ψ)). Contributions share the score out by z_j²/Σz².
 * int8 form: each input is quantised to its own int8 grid over the training range (QuantizeLinear per axis)
 * and the trees branch on those codes, their thresholds snapped to half-steps of the grid.
 */
import { CONTRIBUTION_EPS, type IsolationForest, int8Grid, treesOnGrid } from '../iforest.ts';
import type { TreeJSON } from '../types.ts';
import { DataType, type GraphBuilder } from './graph.ts';

export function exportIsolationForest(g: GraphBuilder, model: IsolationForest, z: string, int8: boolean): void {
  const n = model.nInputs;
  let treeInput = z;
  let trees = model.params.trees;
  if (int8) {
    if (g.opset < 13) throw new RangeError(`int8 export needs opset ≥ 13 (per-axis QuantizeLinear), got ${g.opset}`);
    const grid = int8Grid(model.params);
    const scale = g.floats('grid_scale', [n], grid.scale);
    const zero = g.int8s('grid_zero', [n], grid.zeroPoint);
    const codes = g.node('QuantizeLinear', [z, scale, zero], { axis: { i: 1 } }, 'codes');
    treeInput = g.node('Cast', [codes], { to: { i: DataType.FLOAT } });
    trees = treesOnGrid(model.params.trees, grid);
  }
  g.node('TreeEnsembleRegressor', [treeInput], treeAttributes(trees), 'path_length', 'ai.onnx.ml');
  const score2d = g.node('Exp', [g.node('Mul', ['path_length', g.floats('neg_ln2_over_c', [1], [-Math.LN2 / model.normaliser])])]);
  g.node('Reshape', [score2d, g.int64s('flat', [1], [-1])], {}, 'score');
  const zz = g.node('Mul', [z, z]);
  const total = g.node('Add', [g.reduceSumRows(zz, true), g.floats('eps', [1], [CONTRIBUTION_EPS])]);
  g.node('Mul', [g.node('Div', [zz, total]), score2d], {}, 'contributions');
}

function treeAttributes(trees: readonly TreeJSON[]) {
  const treeIds: number[] = [], nodeIds: number[] = [], featureIds: number[] = [], values: number[] = [];
  const modes: string[] = [], trueIds: number[] = [], falseIds: number[] = [];
  const tTree: number[] = [], tNode: number[] = [], tIds: number[] = [], tWeights: number[] = [];
  trees.forEach((t, ti) => {
    for (let id = 0; id < t.feature.length; id++) {
      treeIds.push(ti);
      nodeIds.push(id);
      const leaf = t.feature[id] < 0;
      featureIds.push(leaf ? 0 : t.feature[id]);
      values.push(leaf ? 0 : t.threshold[id]);
      modes.push(leaf ? 'LEAF' : 'BRANCH_LT');
      trueIds.push(leaf ? 0 : t.left[id]);
      falseIds.push(leaf ? 0 : t.right[id]);
      if (leaf) { tTree.push(ti); tNode.push(id); tIds.push(0); tWeights.push(t.value[id] / trees.length); }
    }
  });
  return {
    n_targets: { i: 1 },
    aggregate_function: { s: 'SUM' },
    post_transform: { s: 'NONE' },
    nodes_treeids: { ints: treeIds }, nodes_nodeids: { ints: nodeIds }, nodes_featureids: { ints: featureIds },
    nodes_values: { floats: values }, nodes_modes: { strings: modes },
    nodes_truenodeids: { ints: trueIds }, nodes_falsenodeids: { ints: falseIds },
    target_treeids: { ints: tTree }, target_nodeids: { ints: tNode }, target_ids: { ints: tIds }, target_weights: { floats: tWeights },
  } as const;
}
