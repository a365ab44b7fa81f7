/**
 * LatestState: what the API shows per asset (latest features, score, threshold, state) and the open and recent
 * alerts. Hosts feed it through update()/alert() — the scoring node, a processor, a test; the API only reads it.
 * Bounded: at most `maxOpen` open alerts (past it the one changed longest ago is forgotten and counted in
 * evictedOpenAlerts; it stays in the outbox and InfluxDB, only the API's view loses it) and `keepClosed` closed ones.
 */
export type AssetState = 'normal' | 'alert' | 'learning' | 'unknown';

export interface AssetSnapshot {
  asset: string;
  ts: number;
  features: Record<string, number>;
  score?: number;
  threshold?: number;
  state: AssetState;
  modelId?: string;
  /** While the asset learns its baseline on the device: how far ("120/240" windows or "35 %" of a span) and the fraction done. */
  learning?: { progress: string; fraction: number };
}

export interface AlertEntry {
  id: string;
  asset: string;
  /** When it opened. */
  ts: number;
  /** Last change (open, update or close). */
  updatedTs: number;
  open: boolean;
  severity: string;
  score?: number;
  message?: string;
  closedTs?: number;
}

export interface AlertUpdate {
  id: string;
  asset: string;
  ts: number;
  kind: 'open' | 'update' | 'close';
  severity?: string;
  score?: number;
  message?: string;
}

export class LatestState {
  readonly #assets = new Map<string, AssetSnapshot>();
  readonly #alerts = new Map<string, AlertEntry>();
  readonly #keepClosed: number;
  readonly #maxOpen: number;
  #open = 0;
  #closed = 0;
  #evictedOpen = 0;
  readonly #alertListeners = new Set<(a: AlertUpdate) => void>();

  /**
   * keepClosed: closed alerts remembered as "recent" (oldest forgotten first); maxOpen: open alerts remembered
   * (past it the open alert changed longest ago is forgotten and counted).
   */
  constructor(opts: { keepClosed?: number; maxOpen?: number } = {}) {
    this.#keepClosed = opts.keepClosed ?? 200;
    this.#maxOpen = opts.maxOpen ?? 1000;
  }

  /** Open alerts forgotten at the maxOpen cap since start. */
  get evictedOpenAlerts(): number {
    return this.#evictedOpen;
  }

  /** Merges what a host knows now about an asset (features merge; other fields replace when given). */
  update(u: Partial<AssetSnapshot> & { asset: string; ts: number }): void {
    const prev = this.#assets.get(u.asset);
    this.#assets.set(u.asset, {
      ...prev,
      ...u,
      features: { ...prev?.features, ...u.features },
      state: u.state ?? prev?.state ?? 'unknown',
    });
  }

  asset(id: string): AssetSnapshot | undefined {
    return this.#assets.get(id);
  }

  assets(): AssetSnapshot[] {
    return [...this.#assets.values()];
  }

  /** Calls fn with every alert change as it is recorded (a host's terminal, a test); returns the unsubscribe. A listener that throws is not the recorder's problem: it is ignored. */
  onAlert(fn: (a: AlertUpdate) => void): () => void {
    this.#alertListeners.add(fn);
    return () => this.#alertListeners.delete(fn);
  }

  alert(a: AlertUpdate): void {
    for (const fn of this.#alertListeners) {
      try {
        fn(a);
      } catch {
        /* a listener's failure must not stop the recording */
      }
    }
    const prev = this.#alerts.get(a.id);
    const entry: AlertEntry = {
      id: a.id, asset: a.asset, ts: prev?.ts ?? a.ts, updatedTs: a.ts, open: a.kind !== 'close',
      severity: a.severity ?? prev?.severity ?? 'warning',
      ...(a.score ?? prev?.score) !== undefined ? { score: a.score ?? prev?.score } : {},
      ...(a.message ?? prev?.message) !== undefined ? { message: a.message ?? prev?.message } : {},
      ...(a.kind === 'close' ? { closedTs: a.ts } : {}),
    };
    if (prev) {
      if (prev.open) this.#open--;
      else this.#closed--;
    }
    this.#alerts.delete(a.id); // re-insert: map order = last change order
    this.#alerts.set(a.id, entry);
    if (entry.open) this.#open++;
    else this.#closed++;
    if (this.#closed > this.#keepClosed) this.#forget(false, this.#closed - this.#keepClosed);
    if (this.#open > this.#maxOpen) this.#evictedOpen += this.#forget(true, this.#open - this.#maxOpen);
  }

  /** Newest change first. */
  alerts(): AlertEntry[] {
    return [...this.#alerts.values()].reverse();
  }

  /** Forgets the n alerts (open or closed ones) changed longest ago; returns how many. */
  #forget(open: boolean, n: number): number {
    let done = 0;
    for (const [id, e] of this.#alerts) {
      if (done === n) break;
      if (e.open !== open) continue;
      this.#alerts.delete(id);
      done++;
    }
    if (open) this.#open -= done;
    else this.#closed -= done;
    return done;
  }
}
