/**
 * The params file (`<name>.params.json`) checked against its manifest before a model is built from it: every
 * array has the length the manifest's input count implies, every index is in range, every number finite, and
 * the sizes stay under caps, so building the model costs time linear in the (size-capped) file and scoring
 * terminates (tree children come after their parent). A mismatch is `bad-params`, naming the field.
 */
import { ModelRefusedError } from './refusal.ts';
import type { ModelManifest } from './manifest-schema.ts';
import type { ModelParams } from './types.ts';

/** Autoencoder: layers at most, and units per layer at most. */
export const MAX_AE_LAYERS = 16;
export const MAX_AE_WIDTH = 4096;
/** Isolation forest: trees at most, and the largest sub-sample size ψ. */
export const MAX_TREES = 10_000;
export const MAX_SAMPLE_SIZE = 1 << 20;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min: number, max: number): v is number => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

/** Throws `bad-params` naming the field; returns the params typed once they fit the manifest. */
export function checkParams(raw: unknown, m: ModelManifest, what: string): ModelParams {
  const fail = (field: string, expected: string): never => {
    throw new ModelRefusedError('bad-params', `${what}: ${field} ${expected}`);
  };
  const numbers = (v: unknown, field: string, length: number, check: (x: number) => boolean = Number.isFinite): void => {
    if (!Array.isArray(v) || v.length !== length) fail(field, `must be an array of ${length} numbers`);
    for (let i = 0; i < length; i++) if (typeof (v as unknown[])[i] !== 'number' || !check((v as number[])[i])) fail(`${field}[${i}]`, 'is out of range');
  };
  if (!isObj(raw)) return fail('the file', 'must hold a JSON object');
  if (raw.family !== m.family) fail('family', `is ${JSON.stringify(String(raw.family)).slice(0, 40)}, the manifest says '${m.family}'`);
  const n = m.inputs.count;
  const norm = raw.normalisation;
  if (!isObj(norm)) return fail('normalisation', 'must be an object');
  numbers(norm.mean, 'normalisation.mean', n);
  numbers(norm.std, 'normalisation.std', n, (x) => Number.isFinite(x) && x > 0);
  switch (m.family) {
    case 'pca': {
      if (!isInt(raw.k, 1, n)) fail('k', `must be an integer from 1 to inputs.count (${n})`);
      const k = raw.k as number;
      numbers(raw.components, 'components', n * k);
      numbers(raw.eigenvalues, 'eigenvalues', k, (x) => Number.isFinite(x) && x > 0);
      for (const f of ['qLimit', 't2Limit'] as const) if (typeof raw[f] !== 'number' || !(raw[f] > 0) || !Number.isFinite(raw[f])) fail(f, 'must be a positive number');
      if (!['combined', 'q', 't2'].includes(raw.scoreKind as string)) fail('scoreKind', "must be 'combined', 'q' or 't2'");
      if (typeof raw.varianceKept !== 'number' || !Number.isFinite(raw.varianceKept)) fail('varianceKept', 'must be a number');
      break;
    }
    case 'ae': {
      const sizes = raw.sizes;
      if (!Array.isArray(sizes) || sizes.length < 2 || sizes.length > MAX_AE_LAYERS + 1) return fail('sizes', `must list 2 to ${MAX_AE_LAYERS + 1} layer sizes`);
      sizes.forEach((s, i) => { if (!isInt(s, 1, MAX_AE_WIDTH)) fail(`sizes[${i}]`, `must be an integer from 1 to ${MAX_AE_WIDTH}`); });
      if (sizes[0] !== n || sizes.at(-1) !== n) fail('sizes', `must start and end with inputs.count (${n})`);
      const layers = raw.layers;
      if (!Array.isArray(layers) || layers.length !== sizes.length - 1) return fail('layers', `must hold ${sizes.length - 1} layers`);
      layers.forEach((l: unknown, i) => {
        if (!isObj(l)) return fail(`layers[${i}]`, 'must be an object');
        numbers(l.weights, `layers[${i}].weights`, (sizes[i] as number) * (sizes[i + 1] as number));
        numbers(l.bias, `layers[${i}].bias`, sizes[i + 1] as number);
      });
      break;
    }
    case 'iforest': {
      if (!isInt(raw.sampleSize, 2, MAX_SAMPLE_SIZE)) fail('sampleSize', `must be an integer from 2 to ${MAX_SAMPLE_SIZE}`);
      numbers(raw.zMin, 'zMin', n);
      numbers(raw.zMax, 'zMax', n);
      const trees = raw.trees;
      if (!Array.isArray(trees) || trees.length < 1 || trees.length > MAX_TREES) return fail('trees', `must hold 1 to ${MAX_TREES} trees`);
      trees.forEach((t: unknown, ti) => {
        if (!isObj(t) || !Array.isArray(t.feature) || t.feature.length < 1) return fail(`trees[${ti}]`, 'must have a non-empty feature array');
        const len = t.feature.length;
        for (const f of ['threshold', 'left', 'right', 'value'] as const) numbers(t[f], `trees[${ti}].${f}`, len);
        const [feature, left, right] = [t.feature as unknown[], t.left as number[], t.right as number[]];
        for (let i = 0; i < len; i++) {
          if (!isInt(feature[i], -1, n - 1)) fail(`trees[${ti}].feature[${i}]`, `must be −1 (leaf) or an input index below ${n}`);
          // Pre-order: a child comes after its parent, so a walk from the root always ends at a leaf.
          if ((feature[i] as number) >= 0 && !(isInt(left[i], i + 1, len - 1) && isInt(right[i], i + 1, len - 1))) fail(`trees[${ti}].left/right[${i}]`, 'must point to later nodes of the tree');
        }
      });
      break;
    }
    case 'knn': {
      if (!isInt(raw.rows, 1, Number.MAX_SAFE_INTEGER)) fail('rows', 'must be a positive integer');
      if (!isInt(raw.k, 1, raw.rows as number)) fail('k', `must be an integer from 1 to rows (${String(raw.rows)})`);
      numbers(raw.memory, 'memory', (raw.rows as number) * n);
      break;
    }
  }
  return raw as unknown as ModelParams;
}
