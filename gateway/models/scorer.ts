/**
 * OnnxScorer: one onnxruntime-node session of a Telltale model graph. Checks the graph's contract at load
 * (input `x` float32 [N, n]; outputs `score` [N] and `contributions` [N, n]), reuses its input buffer and
 * tensors across calls, and serialises runs so a reused buffer is never overwritten mid-run.
 */
import { FILE_CAP_BYTES, readRegularFile } from './bundle-source.ts';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { INPUT_NAME } from './onnx/export.ts';

// onnxruntime otherwise writes telemetry under $HOME; an edge product must not (set before the runtime loads).
process.env.ORT_DISABLE_TELEMETRY ??= '1';
const ort = await import('onnxruntime-node');

export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
}

export interface OnnxScorerOptions {
  /** Threads of one run (default 1: the gateway shares a small CPU with acquisition). */
  intraOpThreads?: number;
  /** If set, the model must take exactly this many inputs. */
  expectInputs?: number;
  /** How messages name the model when it is given as bytes (default `<N bytes>`). */
  source?: string;
}

export interface ScoreResult {
  score: Float32Array;
  /** nRows × nInputs, row-major. */
  contributions: Float32Array;
}

/** Input tensors kept per batch size; a gateway sees few distinct sizes, a bound keeps odd ones from piling up. */
const MAX_CACHED_SHAPES = 16;

export class OnnxScorer {
  readonly nInputs: number;
  /** Where the model came from, for messages. */
  readonly source: string;
  private readonly session: InferenceSession;
  private buffer: Float32Array;
  private readonly tensors = new Map<number, Tensor>();
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  /** Runs started or queued and not finished; the shared buffer is free only at 0. */
  private inFlight = 0;

  private constructor(session: InferenceSession, nInputs: number, source: string) {
    this.session = session;
    this.nInputs = nInputs;
    this.source = source;
    this.buffer = new Float32Array(nInputs * 64);
  }

  static async create(bytesOrPath: Uint8Array | string, options: OnnxScorerOptions = {}): Promise<OnnxScorer> {
    const source = typeof bytesOrPath === 'string' ? bytesOrPath : (options.source ?? `<${bytesOrPath.length} bytes>`);
    let bytes: Uint8Array;
    if (typeof bytesOrPath === 'string') {
      try {
        // A regular file (a link the caller gave is followed) of at most 8 MiB: never a device or a FIFO.
        bytes = await readRegularFile(bytesOrPath, FILE_CAP_BYTES, 'the file', { follow: true });
      } catch (err) {
        throw new ModelLoadError(`model ${source}: ${(err as Error).message}`);
      }
    } else {
      bytes = bytesOrPath;
    }
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: options.intraOpThreads ?? 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3, // errors only: shape-merge warnings would flood the gateway log
      });
    } catch (err) {
      throw new ModelLoadError(`model ${source}: not a loadable ONNX model (${firstLine((err as Error).message)})`);
    }
    try {
      const nInputs = checkContract(session, source, options.expectInputs);
      return new OnnxScorer(session, nInputs, source);
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  /**
   * Scores nRows rows of raw feature values (row-major, nRows × nInputs). Runs are queued, never overlapped;
   * the rows are copied before this returns, so the caller may reuse X at once.
   */
  run(X: Float32Array, nRows: number): Promise<ScoreResult> {
    if (this.disposed) return Promise.reject(new Error(`model ${this.source}: scorer was disposed`));
    const n = this.nInputs;
    if (!Number.isInteger(nRows) || nRows < 1) return Promise.reject(new RangeError(`model ${this.source}: nRows must be a positive integer, got ${nRows}`));
    if (X.length < nRows * n) {
      return Promise.reject(new RangeError(`model ${this.source}: X holds ${X.length} values, fewer than nRows × ${n} inputs = ${nRows * n}`));
    }
    // The caller may reuse X as soon as run() returns: copy it now, into the shared buffer when idle.
    const idle = this.inFlight === 0;
    this.inFlight++;
    const rows = idle ? X : X.slice(0, nRows * n);
    const result = idle
      ? this.session.run({ [INPUT_NAME]: this.fill(rows, nRows) })
      : this.queue.then(() => this.session.run({ [INPUT_NAME]: this.fill(rows, nRows) }));
    this.queue = result.catch(() => undefined).then(() => { this.inFlight--; });
    return result.then(toResult);
  }

  /** Copies rows into the reused buffer and returns the (cached) tensor over it. */
  private fill(X: Float32Array, nRows: number): Tensor {
    const n = this.nInputs;
    if (this.buffer.length < nRows * n) {
      this.buffer = new Float32Array(nRows * n * 2);
      this.tensors.clear();
    }
    this.buffer.set(X.subarray(0, nRows * n));
    let tensor = this.tensors.get(nRows);
    if (!tensor) {
      if (this.tensors.size >= MAX_CACHED_SHAPES) this.tensors.clear();
      tensor = new ort.Tensor('float32', this.buffer.subarray(0, nRows * n), [nRows, n]);
      this.tensors.set(nRows, tensor);
    }
    return tensor;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.queue;
    await this.session.release();
  }
}

function toResult(out: InferenceSession.ReturnType): ScoreResult {
  return { score: out.score.data as Float32Array, contributions: out.contributions.data as Float32Array };
}

/** onnxruntime reports an unnamed or conflicting dimension as an empty string. */
const showDim = (d: number | string): string => (d === '' ? '?' : String(d));

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 300);
}

/** The graph contract; returns the number of inputs per row. */
function checkContract(session: InferenceSession, source: string, expectInputs?: number): number {
  const where = `model ${source}`;
  const inputs = session.inputMetadata;
  if (inputs.length !== 1 || inputs[0].name !== INPUT_NAME) {
    throw new ModelLoadError(`${where}: expected one input named '${INPUT_NAME}', found [${inputs.map((i) => i.name).join(', ')}]`);
  }
  const input = inputs[0];
  if (!input.isTensor || input.type !== 'float32') {
    throw new ModelLoadError(`${where}: input '${INPUT_NAME}' must be a float32 tensor, is ${input.isTensor ? input.type : 'not a tensor'}`);
  }
  const shape = input.shape;
  if (shape.length !== 2 || typeof shape[1] !== 'number' || shape[1] < 1) {
    throw new ModelLoadError(`${where}: input '${INPUT_NAME}' must have shape [N, nInputs] with a fixed nInputs, has [${shape.map(showDim).join(', ')}]`);
  }
  const n = shape[1];
  if (expectInputs !== undefined && n !== expectInputs) {
    throw new ModelLoadError(`${where}: takes ${n} inputs per row, expected ${expectInputs}`);
  }
  const want: Record<string, number> = { score: 1, contributions: 2 };
  for (const [name, rank] of Object.entries(want)) {
    const meta = session.outputMetadata.find((o) => o.name === name);
    if (!meta) throw new ModelLoadError(`${where}: missing output '${name}' (has ${session.outputNames.join(', ')})`);
    if (!meta.isTensor || meta.type !== 'float32') throw new ModelLoadError(`${where}: output '${name}' must be float32`);
    if (meta.shape.length !== rank || (rank === 2 && meta.shape[1] !== n)) {
      throw new ModelLoadError(`${where}: output '${name}' has shape [${meta.shape.map(showDim).join(', ')}], expected ${rank === 1 ? '[N]' : `[N, ${n}]`}`);
    }
  }
  return n;
}
