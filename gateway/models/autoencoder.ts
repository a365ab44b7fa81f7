/**
 * A small dense autoencoder on z-scores: n → hidden (tanh) → bottleneck (linear) → hidden (tanh) → n (linear).
 * Hand-written forward/backward pass with Adam: no kept npm library trains a dense net in plain TypeScript
 * without native bindings or a GPU stack, and this net has four layers of at most a few dozen units.
 */
import { ModelBase } from './model-base.ts';
import { checkMatrix, fitNormalisation, normalisationToJSON, outBuffer, seededRandom, standardise } from './normalise.ts';
import type { AutoencoderOptions, AutoencoderParams, Matrix } from './types.ts';

/** Layer i uses tanh if true, else it is linear; the bottleneck and output are linear. */
export const AE_TANH = [true, false, true, false] as const;

interface Layer {
  nIn: number;
  nOut: number;
  W: Float64Array; // nIn × nOut row-major
  b: Float64Array;
}

export class Autoencoder extends ModelBase<AutoencoderParams> {
  readonly family = 'ae' as const;
  /** Working copies of the weights (training updates these in place; toJSON reads them back). */
  readonly layers: Layer[];
  readonly sizes: number[];

  constructor(params: AutoencoderParams) {
    super(params);
    this.sizes = params.sizes;
    this.layers = params.layers.map((l, i) => ({
      nIn: params.sizes[i], nOut: params.sizes[i + 1], W: Float64Array.from(l.weights), b: Float64Array.from(l.bias),
    }));
  }

  /** Reconstruction of one z-score row into `acts` (one buffer per layer output); returns the last. */
  forwardRow(z: Float64Array, zOff: number, acts: Float64Array[]): Float64Array {
    let input = z;
    let off = zOff;
    for (let li = 0; li < this.layers.length; li++) {
      const { nIn, nOut, W, b } = this.layers[li];
      const a = acts[li];
      for (let o = 0; o < nOut; o++) {
        let s = b[o];
        for (let i = 0; i < nIn; i++) s += input[off + i] * W[i * nOut + o];
        a[o] = AE_TANH[li] ? Math.tanh(s) : s;
      }
      input = a;
      off = 0;
    }
    return input;
  }

  contributions(X: Matrix, nRows: number, out?: Float32Array): Float32Array {
    const n = this.nInputs;
    const res = outBuffer(out, nRows * n, 'ae contributions');
    const Z = standardise(X, nRows, this.normalisation);
    const acts = this.layers.map((l) => new Float64Array(l.nOut));
    for (let r = 0; r < nRows; r++) {
      const y = this.forwardRow(Z, r * n, acts);
      for (let j = 0; j < n; j++) res[r * n + j] = (Z[r * n + j] - y[j]) ** 2 / n;
    }
    return res;
  }

  override toJSON(): AutoencoderParams {
    return {
      family: 'ae',
      normalisation: normalisationToJSON(this.normalisation),
      sizes: this.sizes,
      layers: this.layers.map((l) => ({ weights: Array.from(l.W), bias: Array.from(l.b) })),
    };
  }
}

export async function fitAutoencoder(X: Matrix, nRows: number, nCols: number, options: AutoencoderOptions = {}): Promise<Autoencoder> {
  checkMatrix(X, nRows, nCols, 'fitAutoencoder');
  const hidden = options.hidden ?? Math.max(8, 2 * nCols);
  const bottleneck = options.bottleneck ?? Math.max(2, Math.ceil(nCols / 3));
  const epochs = options.epochs ?? 60;
  const lr = options.learningRate ?? 3e-3;
  const batchSize = Math.min(options.batchSize ?? 32, nRows);
  for (const [name, v] of [['hidden', hidden], ['bottleneck', bottleneck], ['epochs', epochs], ['batchSize', batchSize]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`fitAutoencoder: ${name} must be a positive integer, got ${v}`);
  }
  const rand = seededRandom(options.seed ?? 1);
  const norm = fitNormalisation(X, nRows, nCols);
  const Z = standardise(X, nRows, norm);
  const sizes = [nCols, hidden, bottleneck, hidden, nCols];
  // Glorot-uniform init, zero biases.
  const layers = sizes.slice(0, -1).map((nIn, i) => {
    const nOut = sizes[i + 1];
    const limit = Math.sqrt(6 / (nIn + nOut));
    return { weights: Array.from({ length: nIn * nOut }, () => (rand() * 2 - 1) * limit), bias: new Array(nOut).fill(0) };
  });
  const model = new Autoencoder({ family: 'ae', normalisation: normalisationToJSON(norm), sizes, layers });
  const L = model.layers;
  const grads = L.map((l) => ({ W: new Float64Array(l.W.length), b: new Float64Array(l.b.length) }));
  const adam = L.map((l) => ({
    mW: new Float64Array(l.W.length), vW: new Float64Array(l.W.length), mb: new Float64Array(l.b.length), vb: new Float64Array(l.b.length),
  }));
  const acts = L.map((l) => new Float64Array(l.nOut));
  const deltas = L.map((l) => new Float64Array(l.nOut));
  const order = Uint32Array.from({ length: nRows }, (_, i) => i);
  const beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  let step = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let i = nRows - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let lossSum = 0;
    for (let start = 0; start < nRows; start += batchSize) {
      const end = Math.min(nRows, start + batchSize);
      for (const g of grads) { g.W.fill(0); g.b.fill(0); }
      for (let p = start; p < end; p++) {
        const off = order[p] * nCols;
        const y = model.forwardRow(Z, off, acts);
        // d(mean squared error)/d(output), averaged over the batch.
        const last = deltas[L.length - 1];
        for (let j = 0; j < nCols; j++) {
          const e = y[j] - Z[off + j];
          lossSum += (e * e) / nCols;
          last[j] = (2 * e) / nCols / (end - start);
        }
        for (let li = L.length - 1; li >= 0; li--) {
          const { nIn, nOut, W } = L[li];
          const d = deltas[li];
          const input = li === 0 ? Z : acts[li - 1];
          const inOff = li === 0 ? off : 0;
          const g = grads[li];
          for (let o = 0; o < nOut; o++) g.b[o] += d[o];
          for (let i = 0; i < nIn; i++) {
            const x = input[inOff + i];
            for (let o = 0; o < nOut; o++) g.W[i * nOut + o] += x * d[o];
          }
          if (li === 0) break;
          const prev = deltas[li - 1];
          const prevAct = acts[li - 1];
          for (let i = 0; i < nIn; i++) {
            let s = 0;
            for (let o = 0; o < nOut; o++) s += W[i * nOut + o] * d[o];
            prev[i] = AE_TANH[li - 1] ? s * (1 - prevAct[i] * prevAct[i]) : s;
          }
        }
      }
      step++;
      const c1 = 1 - beta1 ** step, c2 = 1 - beta2 ** step;
      for (let li = 0; li < L.length; li++) {
        for (const [p, g, m, v] of [[L[li].W, grads[li].W, adam[li].mW, adam[li].vW], [L[li].b, grads[li].b, adam[li].mb, adam[li].vb]]) {
          for (let i = 0; i < p.length; i++) {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i];
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
            p[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
          }
        }
      }
    }
    options.onProgress?.(epoch, epochs, lossSum / nRows);
    // Yield so a gateway training in-process keeps serving its event loop.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  // Rebuilt so `params` holds the trained weights, not the initial ones.
  return new Autoencoder(model.toJSON());
}
