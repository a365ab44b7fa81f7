/**
 * The InfluxDB output's memory buffer for batches the disk queue cannot store (disk full, queue file failing or not
 * open yet). Bounded in values (fields), like the disk queue: at the bound the oldest batches of the lowest kind go
 * first, only kinds ranked at or below the incoming batch; alerts are evicted only by alerts and only when nothing
 * else is left (the bound holds). A batch larger than the whole bound is kept alone. Every dropped point is counted
 * per kind. Used only while the disk queue fails: the normal path never touches it.
 */
import type { IPoint } from 'influx';
import { KIND_RANK, KINDS, type TsdbKind } from './records.ts';
import { valuesOf } from './disk-queue.ts';

export interface HeldBatch { kind: TsdbKind; points: IPoint[]; values: number }

export interface HeldBatchStats { batches: number; points: number; values: number; maxValues: number; dropped: Record<TsdbKind, number> }

const BY_RANK = [...KINDS].sort((a, b) => KIND_RANK[a] - KIND_RANK[b]);

export class HeldBatches {
  readonly maxValues: number;
  readonly dropped: Record<TsdbKind, number> = { samples: 0, features: 0, scores: 0, health: 0, drift: 0, alerts: 0 };
  #items: HeldBatch[] = [];
  #points = 0;
  #values = 0;

  constructor(maxValues: number) {
    if (!(maxValues >= 1)) throw new Error(`tsdb memory buffer: maxValues must be at least 1 (got ${maxValues})`);
    this.maxValues = maxValues;
  }

  get length(): number { return this.#items.length; }
  get points(): number { return this.#points; }
  get values(): number { return this.#values; }

  /** Holds a batch at the tail (or the head: a batch that was taken and must go back first). False if it was dropped. */
  add(kind: TsdbKind, points: IPoint[], front = false): boolean {
    const values = valuesOf(points);
    while (this.#items.length > 0 && this.#values + values > this.maxValues) {
      if (!this.#evictFor(kind)) {
        this.dropped[kind] += points.length;
        return false;
      }
    }
    const b: HeldBatch = { kind, points, values };
    if (front) this.#items.unshift(b);
    else this.#items.push(b);
    this.#points += points.length;
    this.#values += values;
    return true;
  }

  peek(): HeldBatch | undefined {
    return this.#items[0];
  }

  shift(): HeldBatch | undefined {
    const b = this.#items.shift();
    if (b) {
      this.#points -= b.points.length;
      this.#values -= b.values;
    }
    return b;
  }

  stats(): HeldBatchStats {
    return { batches: this.#items.length, points: this.#points, values: this.#values, maxValues: this.maxValues, dropped: { ...this.dropped } };
  }

  #evictFor(incoming: TsdbKind): boolean {
    for (const kind of BY_RANK) {
      if (KIND_RANK[kind] > KIND_RANK[incoming]) break;
      const i = this.#items.findIndex((b) => b.kind === kind);
      if (i < 0) continue;
      const [b] = this.#items.splice(i, 1);
      this.#points -= b.points.length;
      this.#values -= b.values;
      this.dropped[kind] += b.points.length;
      return true;
    }
    return false;
  }
}
