/**
 * LatestState: what the API shows per asset (latest features, score, threshold, state) and the open and recent
 * alerts. Hosts feed it through update()/alert() — the scoring node, a processor, a test; the API only reads it.
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

  /** keepClosed: closed alerts remembered as "recent" (oldest forgotten first). */
  constructor(opts: { keepClosed?: number } = {}) {
    this.#keepClosed = opts.keepClosed ?? 200;
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

  alert(a: AlertUpdate): void {
    const prev = this.#alerts.get(a.id);
    const entry: AlertEntry = {
      id: a.id, asset: a.asset, ts: prev?.ts ?? a.ts, updatedTs: a.ts, open: a.kind !== 'close',
      severity: a.severity ?? prev?.severity ?? 'warning',
      ...(a.score ?? prev?.score) !== undefined ? { score: a.score ?? prev?.score } : {},
      ...(a.message ?? prev?.message) !== undefined ? { message: a.message ?? prev?.message } : {},
      ...(a.kind === 'close' ? { closedTs: a.ts } : {}),
    };
    this.#alerts.delete(a.id); // re-insert: map order = last change order
    this.#alerts.set(a.id, entry);
    if (a.kind === 'close') this.#forgetOldClosed();
  }

  /** Newest change first. */
  alerts(): AlertEntry[] {
    return [...this.#alerts.values()].reverse();
  }

  #forgetOldClosed(): void {
    let closed = 0;
    for (const e of this.#alerts.values()) if (!e.open) closed++;
    for (const [id, e] of this.#alerts) {
      if (closed <= this.#keepClosed) break;
      if (!e.open) {
        this.#alerts.delete(id);
        closed--;
      }
    }
  }
}
