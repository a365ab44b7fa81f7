/**
 * Where each plant value lives on the Modbus wire, one unit id for the whole plant. Per asset a block of:
 *   holding registers: every analog signal as float32 (2 registers, the map's order), then `fault_code` (uint16)
 *   input registers:   the same analog signals as scaled int16 (engineering value = raw × signal.int16Scale)
 *   discrete inputs:   `fault_active`, then every bool signal (e.g. `running`)
 * Blocks start on round addresses (multiples of 100, else 10) when the plant fits, so a map is readable by eye.
 */
import { encodeRaw, type WordOrder } from '../acquisition/modbus/codec.ts';
import type { ModbusTag } from '../acquisition/modbus/config.ts';
import type { RegisterBank } from './modbus-server/index.ts';
import type { Plant } from './plant/types.ts';

export interface AssetBlock {
  asset: string;
  /** First holding register (float32 values), first input register (int16 values), first discrete input. */
  holding: number;
  input: number;
  discrete: number;
}

export interface TagOptions {
  /** 'holding' (float32, default) or 'input' (scaled int16) for the analog signals. */
  table?: 'holding' | 'input';
  /** Add each asset's `fault_active` and `fault_code` tags (ground truth, for tests and evaluation). */
  groundTruth?: boolean;
}

const TABLE_SIZE = 65536;
const INT16_MIN = -32768;
const INT16_MAX = 32767;

export class RegisterMap {
  readonly order: WordOrder;
  readonly blocks: readonly AssetBlock[];
  /** Indices into plant.signals of the analog and the bool signals. */
  readonly analog: readonly number[];
  readonly bools: readonly number[];
  /** Offset of fault_code inside a holding block. */
  readonly faultCodeOffset: number;
  private readonly plant: Plant;
  private readonly analogIdx: Int32Array;
  private readonly boolIdx: Int32Array;
  private readonly int16Scale: Float64Array;

  constructor(plant: Plant, order: WordOrder = 'ABCD') {
    this.plant = plant;
    this.order = order;
    const analog: number[] = [];
    const bools: number[] = [];
    plant.signals.forEach((s, i) => (s.kind === 'bool' ? bools : analog).push(i));
    this.analog = analog;
    this.bools = bools;
    this.analogIdx = Int32Array.from(analog);
    this.boolIdx = Int32Array.from(bools);
    this.int16Scale = Float64Array.from(analog, (i) => plant.signals[i].int16Scale);
    this.faultCodeOffset = 2 * analog.length;
    const n = plant.assets.length;
    const holdingStride = stride(n, 2 * analog.length + 1, 'holding registers');
    const inputStride = stride(n, Math.max(1, analog.length), 'input registers');
    const discreteStride = stride(n, 1 + bools.length, 'discrete inputs');
    this.blocks = plant.assets.map((asset, a) => ({ asset, holding: a * holdingStride, input: a * inputStride, discrete: a * discreteStride }));
  }

  /** Copies the plant's current values into the bank. Called every tick: no allocation. */
  write(bank: RegisterBank): void {
    const { plant, order, analogIdx, boolIdx, int16Scale } = this;
    const v = plant.values;
    const m = plant.signals.length;
    const holding = bank.holding, input = bank.input, discrete = bank.discrete;
    for (let a = 0; a < this.blocks.length; a++) {
      const b = this.blocks[a];
      const row = a * m;
      for (let k = 0; k < analogIdx.length; k++) {
        const x = v[row + analogIdx[k]];
        encodeRaw(x, holding, b.holding + 2 * k, 'float32', order);
        const raw = Math.round(x / int16Scale[k]);
        encodeRaw(raw < INT16_MIN ? INT16_MIN : raw > INT16_MAX ? INT16_MAX : raw, input, b.input + k, 'int16', order);
      }
      encodeRaw(plant.faultCode[a], holding, b.holding + this.faultCodeOffset, 'uint16', order);
      discrete[b.discrete] = plant.faultCode[a] !== 0 ? 1 : 0;
      for (let j = 0; j < boolIdx.length; j++) discrete[b.discrete + 1 + j] = v[row + boolIdx[j]] !== 0 ? 1 : 0;
    }
  }

  /** The gateway tags that read this map (asset set per tag). */
  tags(opts: TagOptions = {}): ModbusTag[] {
    const table = opts.table ?? 'holding';
    const tags: ModbusTag[] = [];
    for (const b of this.blocks) {
      this.analog.forEach((i, k) => {
        const s = this.plant.signals[i];
        const unit = s.unit !== undefined ? { unit: s.unit } : {};
        tags.push(
          table === 'holding'
            ? { name: s.name, asset: b.asset, table: 'holding', address: b.holding + 2 * k, type: 'float32', scale: 1, offset: 0, ...unit }
            : { name: s.name, asset: b.asset, table: 'input', address: b.input + k, type: 'int16', scale: s.int16Scale, offset: 0, ...unit },
        );
      });
      this.bools.forEach((i, j) => {
        tags.push({ name: this.plant.signals[i].name, asset: b.asset, table: 'discrete', address: b.discrete + 1 + j, type: 'bool', scale: 1, offset: 0 });
      });
      if (opts.groundTruth) {
        tags.push({ name: 'fault_active', asset: b.asset, table: 'discrete', address: b.discrete, type: 'bool', scale: 1, offset: 0 });
        tags.push({ name: 'fault_code', asset: b.asset, table: 'holding', address: b.holding + this.faultCodeOffset, type: 'uint16', scale: 1, offset: 0 });
      }
    }
    return tags;
  }

  /** The block of an asset, or a RangeError naming the known assets. */
  block(asset: string): AssetBlock {
    const b = this.blocks.find((x) => x.asset === asset);
    if (!b) throw new RangeError(`unknown asset "${asset}" (the map has ${this.blocks.map((x) => x.asset).join(', ')})`);
    return b;
  }

  /** Holding address of an analog signal's float32 and input address of its int16, for tests and probes. */
  address(asset: string, signal: string): { holding: number; input: number } {
    const b = this.block(asset);
    const k = this.analog.findIndex((i) => this.plant.signals[i].name === signal);
    if (k < 0) throw new RangeError(`"${signal}" is not an analog signal of the plant (have ${this.analog.map((i) => this.plant.signals[i].name).join(', ')})`);
    return { holding: b.holding + 2 * k, input: b.input + k };
  }
}

/** Distance between asset blocks: a round number when the plant fits, else packed; too big a plant is an error. */
function stride(assets: number, need: number, what: string): number {
  for (const step of [100, 10, 1]) {
    const s = Math.ceil(need / step) * step;
    if (assets * s <= TABLE_SIZE) return s;
  }
  throw new RangeError(`${assets} assets × ${need} ${what} = ${assets * need} do not fit the 65536 addresses of one Modbus unit; use fewer assets or tags per asset`);
}
