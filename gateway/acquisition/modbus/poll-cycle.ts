/**
 * Poll groups and their schedule. A poll group is one asset's tags at one interval and yields one SampleBatch per
 * poll. All groups of a device that share an interval form one PollCycle, so their neighbouring registers are
 * coalesced into the same requests. The cycle ticks on a fixed grid (start + k·interval, no drift); a tick that
 * arrives while the previous poll still runs is skipped and counted, never queued.
 */
import type { ModbusTag } from './config.ts';
import { planReads, type PlanLimits, type RegisterBlock } from './planner.ts';
import type { SampleBatch } from '../../core/sample.ts';

export interface PollGroup {
  id: string;
  asset: string;
  intervalMs: number;
  tags: ModbusTag[];
}

/** A group while it is scheduled: the batch being filled by the current poll. */
export interface ScheduledGroup {
  readonly group: PollGroup;
  batch: SampleBatch | undefined;
}

/** Groups a device's configured tags by (asset, interval); group ids read `asset@intervalms`. */
export function groupsFromTags(tags: readonly ModbusTag[], defaultAsset: string, defaultIntervalMs: number): PollGroup[] {
  const groups = new Map<string, PollGroup>();
  for (const tag of tags) {
    const asset = tag.asset ?? defaultAsset;
    const intervalMs = tag.pollIntervalMs ?? defaultIntervalMs;
    const id = `${asset}@${intervalMs}ms`;
    let g = groups.get(id);
    if (!g) {
      g = { id, asset, intervalMs, tags: [] };
      groups.set(id, g);
    }
    g.tags.push(tag);
  }
  return [...groups.values()];
}

export class PollCycle {
  readonly intervalMs: number;
  readonly groups = new Map<string, ScheduledGroup>();
  /** Ticks skipped because the poll before was still running. */
  skipped = 0;
  readonly #limits: PlanLimits;
  readonly #poll: (cycle: PollCycle) => Promise<void>;
  #blocks: RegisterBlock<ScheduledGroup>[] = [];
  #timer: NodeJS.Timeout | undefined;
  #next = 0;
  #running: Promise<void> | undefined;

  constructor(intervalMs: number, limits: PlanLimits, poll: (cycle: PollCycle) => Promise<void>) {
    this.intervalMs = intervalMs;
    this.#limits = limits;
    this.#poll = poll;
  }

  /** Adds a group and re-plans; throws (leaving the cycle as it was) when a tag cannot be read. */
  add(group: PollGroup): void {
    if (this.groups.has(group.id)) throw new Error(`poll group "${group.id}" is already scheduled`);
    const names = new Set<string>();
    for (const t of group.tags) {
      if (names.has(t.name)) throw new Error(`poll group "${group.id}": tag "${t.name}" appears twice`);
      names.add(t.name);
    }
    const next = new Map(this.groups).set(group.id, { group, batch: undefined });
    this.#blocks = plan(next, this.#limits);
    this.groups.set(group.id, next.get(group.id)!);
  }

  remove(id: string): void {
    if (this.groups.delete(id)) this.#blocks = plan(this.groups, this.#limits);
  }

  get blocks(): readonly RegisterBlock<ScheduledGroup>[] {
    return this.#blocks;
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  start(): void {
    if (this.#timer) return;
    this.#next = Date.now();
    this.#tick();
  }

  /** Stops ticking; resolves when a poll in progress has finished. */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #tick = (): void => {
    if (this.#running) this.skipped++;
    else {
      this.#running = this.#poll(this).finally(() => { this.#running = undefined; });
    }
    const now = Date.now();
    this.#next += this.intervalMs;
    if (this.#next <= now) {
      // The event loop stalled for more than an interval: skip the missed ticks rather than fire them in a burst.
      const missed = Math.floor((now - this.#next) / this.intervalMs) + 1;
      this.skipped += missed;
      this.#next += missed * this.intervalMs;
    }
    this.#timer = setTimeout(this.#tick, this.#next - now);
  };
}

function plan(groups: Map<string, ScheduledGroup>, limits: PlanLimits): RegisterBlock<ScheduledGroup>[] {
  const items = [];
  for (const sg of groups.values()) for (const tag of sg.group.tags) items.push({ tag, ref: sg });
  return planReads(items, limits);
}
