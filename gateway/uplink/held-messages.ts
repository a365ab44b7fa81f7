/**
 * The uplink's memory buffer for messages the outbox cannot store (disk full, store failing or not open yet).
 * Bounded by a count: at the cap the oldest forwarded sample goes first, then the oldest summary; an alert is never
 * evicted by a summary or a sample. When the buffer holds nothing but alerts a new alert is refused (the caller is
 * told, so nothing it believes accepted is lost) and a new summary or sample is dropped. Every drop and refusal is
 * counted. Used only while the outbox fails: the normal path never touches it.
 */
import type { MessageClass, OutboxMessage } from './outbox.ts';

export interface HeldMessage {
  cls: MessageClass;
  topic: string;
  body: Record<string, unknown>;
  asset?: string;
  /** The envelope it was given when first sent from memory (kept if it is stored later). */
  msg?: OutboxMessage;
  /** Published from memory, PUBACK pending. */
  sending?: boolean;
}

export interface HeldStats {
  /** Messages waiting in memory. */
  held: number;
  alerts: number;
  /** Evicted or dropped at the cap, per class (alerts stay 0: they are refused instead). */
  dropped: Record<MessageClass, number>;
  /** Alerts refused because the buffer held nothing but alerts. */
  refused: number;
  cap: number;
}

const RANK: Record<MessageClass, number> = { alert: 0, summary: 1, sample: 2 };

/** 'held': stored; 'dropped': the incoming message was dropped (summary/sample); 'refused': an alert did not fit. */
export type HoldResult = 'held' | 'dropped' | 'refused';

export class HeldMessages {
  readonly cap: number;
  readonly dropped: Record<MessageClass, number> = { alert: 0, summary: 0, sample: 0 };
  refused = 0;
  #items: HeldMessage[] = [];
  #alerts = 0;

  constructor(cap: number) {
    if (!(cap >= 1)) throw new Error(`uplink memory buffer: cap must be at least 1 (got ${cap})`);
    this.cap = cap;
  }

  get size(): number { return this.#items.length; }

  add(m: HeldMessage): HoldResult {
    if (this.#items.length >= this.cap && !this.#evictFor(m.cls)) {
      if (m.cls === 'alert') {
        this.refused += 1;
        return 'refused';
      }
      this.dropped[m.cls] += 1;
      return 'dropped';
    }
    this.#items.push(m);
    if (m.cls === 'alert') this.#alerts += 1;
    return 'held';
  }

  /** The oldest message, left in place (remove it with shift() once it is stored). */
  peek(): HeldMessage | undefined {
    return this.#items[0];
  }

  shift(): HeldMessage | undefined {
    const m = this.#items.shift();
    if (m?.cls === 'alert') this.#alerts -= 1;
    return m;
  }

  /** The oldest message not being sent from memory. */
  firstUnsent(): HeldMessage | undefined {
    return this.#items.find((m) => !m.sending);
  }

  /** Up to `limit` messages not being sent, oldest first. */
  unsent(limit: number): HeldMessage[] {
    const out: HeldMessage[] = [];
    for (const m of this.#items) {
      if (out.length === limit) break;
      if (!m.sending) out.push(m);
    }
    return out;
  }

  /** Removes this message (stored, or acknowledged by the broker); false if it is no longer held. */
  remove(m: HeldMessage): boolean {
    const i = this.#items.indexOf(m);
    if (i < 0) return false;
    this.#items.splice(i, 1);
    if (m.cls === 'alert') this.#alerts -= 1;
    return true;
  }

  /** Forgets that messages are being sent (the connection is closing for good): they will be stored with their envelope. */
  resetSending(): void {
    for (const m of this.#items) m.sending = false;
  }

  stats(): HeldStats {
    return { held: this.#items.length, alerts: this.#alerts, dropped: { ...this.dropped }, refused: this.refused, cap: this.cap };
  }

  /** Evicts the oldest message of the lowest class ranked at or below the incoming one's; false if none may go. */
  #evictFor(incoming: MessageClass): boolean {
    for (const cls of ['sample', 'summary'] as const) {
      if (RANK[cls] < RANK[incoming]) continue;
      const i = this.#items.findIndex((x) => x.cls === cls);
      if (i >= 0) {
        this.#items.splice(i, 1);
        this.dropped[cls] += 1;
        return true;
      }
    }
    return false;
  }
}
