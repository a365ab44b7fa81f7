/**
 * Builds ONNX graphs and encodes them as ModelProto bytes with protobufjs and our onnx.proto subset.
 * Every export goes through GraphBuilder, so tensor encoding and weight quantisation live in one place.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { packageRoot } from '../../core/package-root.ts';

export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, STRING: 8, DOUBLE: 11 } as const;
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** ONNX IR version 8 is read by onnxruntime ≥ 1.14 and covers opsets up to 21+. */
const IR_VERSION = 8;

let root: protobuf.Root | undefined;
/**
 * The onnx.proto subset, loaded once: the .proto beside this module (source tree), else its JSON form (dist/,
 * whose build copies .json but not .proto), else the source tree's .proto.
 */
export function onnxProto(): protobuf.Root {
  if (root) return root;
  const here = dirname(fileURLToPath(import.meta.url));
  const proto = join(here, 'onnx.proto');
  const json = join(here, 'onnx.proto.json');
  if (existsSync(proto)) root = protobuf.loadSync(proto);
  else if (existsSync(json)) root = protobuf.Root.fromJSON(JSON.parse(readFileSync(json, 'utf8')) as protobuf.INamespace);
  else root = protobuf.loadSync(join(packageRoot, 'gateway/models/onnx/onnx.proto'));
  return root;
}

export type AttrValue =
  | { f: number }
  | { i: number }
  | { s: string }
  | { floats: ArrayLike<number> }
  | { ints: ArrayLike<number> }
  | { strings: readonly string[] };

function encodeAttr(name: string, v: AttrValue): Record<string, unknown> {
  if ('f' in v) return { name, type: AttrType.FLOAT, f: v.f };
  if ('i' in v) return { name, type: AttrType.INT, i: v.i };
  if ('s' in v) return { name, type: AttrType.STRING, s: Buffer.from(v.s) };
  if ('floats' in v) return { name, type: AttrType.FLOATS, floats: Array.from(v.floats) };
  if ('ints' in v) return { name, type: AttrType.INTS, ints: Array.from(v.ints) };
  return { name, type: AttrType.STRINGS, strings: v.strings.map((s) => Buffer.from(s)) };
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): Record<string, unknown> {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  };
}

export interface OpsetVersions {
  /** Default (ai.onnx) opset. */
  opset: number;
  /** ai.onnx.ml opset, when a node of that domain is used. */
  mlOpset?: number;
}

export class GraphBuilder {
  readonly opset: number;
  private readonly nodes: Record<string, unknown>[] = [];
  private readonly initializers: Record<string, unknown>[] = [];
  private readonly inputs: Record<string, unknown>[] = [];
  private readonly outputs: Record<string, unknown>[] = [];
  private usesMl = false;
  private counter = 0;

  constructor(opset: number) {
    this.opset = opset;
  }

  input(name: string, dims: (number | string)[], elemType: number = DataType.FLOAT): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, dims: (number | string)[], elemType: number = DataType.FLOAT): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** A float32 constant tensor. */
  floats(name: string, dims: number[], data: ArrayLike<number>): string {
    return this.tensor(name, DataType.FLOAT, dims, Buffer.from(Float32Array.from(data).buffer));
  }

  int64s(name: string, dims: number[], data: ArrayLike<number>): string {
    return this.tensor(name, DataType.INT64, dims, Buffer.from(BigInt64Array.from(Array.from(data), (v) => BigInt(v)).buffer));
  }

  int8s(name: string, dims: number[], data: ArrayLike<number>): string {
    return this.tensor(name, DataType.INT8, dims, Buffer.from(Int8Array.from(data).buffer));
  }

  private tensor(name: string, dataType: number, dims: number[], raw: Buffer): string {
    this.initializers.push({ name, dataType, dims, rawData: raw });
    return name;
  }

  /**
   * A weight matrix [rows, cols] as float32, or (int8) as symmetric int8 with one scale per output column
   * (per-channel, axis 1) followed by DequantizeLinear — weight-only QDQ. Returns the float tensor's name.
   */
  weights(name: string, rows: number, cols: number, data: ArrayLike<number>, int8: boolean): string {
    if (!int8) return this.floats(name, [rows, cols], data);
    const { q, scale } = quantiseColumns(data, rows, cols);
    if (this.opset < 13) throw new RangeError(`int8 export needs opset ≥ 13 (per-channel DequantizeLinear), got ${this.opset}`);
    this.int8s(`${name}_q`, [rows, cols], q);
    this.floats(`${name}_scale`, [cols], scale);
    this.int8s(`${name}_zero`, [cols], new Int8Array(cols));
    return this.node('DequantizeLinear', [`${name}_q`, `${name}_scale`, `${name}_zero`], { axis: { i: 1 } }, name);
  }

  /** Adds a node; returns its (first) output name. */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, output?: string, domain = ''): string {
    const out = output ?? `${opType.toLowerCase()}_${this.counter++}`;
    if (domain === 'ai.onnx.ml') this.usesMl = true;
    this.nodes.push({
      opType, domain, input: inputs, output: [out], name: `${opType}_${this.nodes.length}`,
      attribute: Object.entries(attrs).map(([k, v]) => encodeAttr(k, v)),
    });
    return out;
  }

  /** Adds a node with several outputs (TopK, Split), all named by the caller. */
  nodeOutputs(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}): string[] {
    this.nodes.push({
      opType, domain: '', input: inputs, output: outputs, name: `${opType}_${this.nodes.length}`,
      attribute: Object.entries(attrs).map(([k, v]) => encodeAttr(k, v)),
    });
    return outputs;
  }

  /** ReduceSum over axis 1: axes became an input at opset 13. */
  reduceSumRows(input: string, keepdims: boolean, output?: string): string {
    if (this.opset >= 13) {
      const axes = this.int64s(`axes_${this.counter++}`, [1], [1]);
      return this.node('ReduceSum', [input, axes], { keepdims: { i: keepdims ? 1 : 0 } }, output);
    }
    return this.node('ReduceSum', [input], { axes: { ints: [1] }, keepdims: { i: keepdims ? 1 : 0 } }, output);
  }

  encode(graphName: string, docString: string, mlOpset = 3): Uint8Array {
    const opsetImport = [{ domain: '', version: this.opset }];
    if (this.usesMl) opsetImport.push({ domain: 'ai.onnx.ml', version: mlOpset });
    const Model = onnxProto().lookupType('onnx.ModelProto');
    const message = Model.fromObject({
      irVersion: IR_VERSION,
      opsetImport,
      producerName: 'telltale',
      producerVersion: '1',
      docString,
      graph: { name: graphName, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    });
    return Model.encode(message).finish();
  }
}

/** Symmetric per-column int8: scale_c = max|w_c| / 127, q = round(w / scale_c). */
export function quantiseColumns(data: ArrayLike<number>, rows: number, cols: number): { q: Int8Array; scale: Float32Array } {
  const scale = new Float32Array(cols);
  for (let c = 0; c < cols; c++) {
    let m = 0;
    for (let r = 0; r < rows; r++) m = Math.max(m, Math.abs(data[r * cols + c]));
    scale[c] = m > 0 ? m / 127 : 1;
  }
  const q = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) q[r * cols + c] = Math.round(data[r * cols + c] / scale[c]);
  return { q, scale };
}

/** Decodes ModelProto bytes (for checks and tests); throws protobufjs' error on malformed input. */
export function decodeModel(bytes: Uint8Array): Record<string, any> {
  const Model = onnxProto().lookupType('onnx.ModelProto');
  return Model.toObject(Model.decode(bytes), { longs: Number, bytes: Buffer, defaults: false }) as Record<string, any>;
}
