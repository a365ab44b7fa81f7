/**
 * The demo's terminal story: one line per event, quiet otherwise. It watches what the product really did, not what
 * it meant to do: learning progress and scores from the gateway's LatestState (fed by the anomaly-score node), alert
 * changes as they are recorded, what InfluxDB holds (counted by query at the demo's InfluxDB) and what the cloud
 * received (a subscriber on the uplink's topics at the demo's broker: alerts, summaries with the bandwidth meter).
 * Every timer and callback catches its own errors: a story line that cannot be told never stops the gateway.
 */
import mqtt from 'mqtt';
import type { AlertUpdate, LatestState } from '../../api/latest-state.ts';

export interface StoryOptions {
  latest: LatestState;
  /** The assets expected to learn and score (the simulated pumps). */
  assets: readonly string[];
  /** InfluxDB 1.x URL with the database as its path (http://127.0.0.1:8086/telltale). */
  influxUrl?: string;
  /** The broker the uplink sends to, and the uplink's topic root (telltale/<site>/<gateway>). */
  mqtt?: { url: string; root: string };
  /** How often the uplink closes a summary period (s): without a broker the stored counts are told at this period. */
  summaryPeriodS: number;
  write: (line: string) => void;
  /** Once every expected asset is scoring (learned now or earlier). */
  onAllScoring?: () => void;
}

export interface StoredCounts { samples: number; features: number; scores: number; alerts: number }

const BAR = 20;
const bar = (f: number) => `${'#'.repeat(Math.round(f * BAR))}${'.'.repeat(BAR - Math.round(f * BAR))}`;
const kB = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`);
const hhmmss = (ts: number) => new Date(ts).toISOString().slice(11, 19);

/** Splits http://host:port/db into the query endpoint parameters (credentials in the URL become u/p). */
export function influxTarget(url: string): { base: string; db: string; auth?: { u: string; p: string } } {
  const u = new URL(url);
  const db = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, '')) || 'telltale';
  const auth = u.username ? { u: decodeURIComponent(u.username), p: decodeURIComponent(u.password) } : undefined;
  return { base: `${u.protocol}//${u.host}`, db, ...(auth ? { auth } : {}) };
}

/** Runs InfluxQL statements (separated by ;) and returns, per statement, the largest count of its first row. */
export async function influxCounts(url: string, statements: string[]): Promise<number[]> {
  const t = influxTarget(url);
  const params = new URLSearchParams({ q: statements.join('; '), db: t.db, epoch: 'ms' });
  if (t.auth) { params.set('u', t.auth.u); params.set('p', t.auth.p); }
  const res = await fetch(`${t.base}/query`, { method: 'POST', body: params, signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`InfluxDB query: HTTP ${res.status}`);
  const body = (await res.json()) as { results: { series?: { values: unknown[][] }[]; error?: string }[] };
  return body.results.map((r) => {
    const row = r.series?.[0]?.values[0];
    return row ? Math.max(0, ...row.slice(1).map((v) => Number(v) || 0)) : 0;
  });
}

export const STORED_QUERIES = [
  'SELECT count("_good") FROM "samples"',
  'SELECT count(*) FROM "features"',
  'SELECT count("score") FROM "scores"',
  'SELECT count("alert_id") FROM "summaries"."alerts"',
];

export class DemoStory {
  readonly #o: StoryOptions;
  readonly #startedAt = Date.now();
  #timer?: NodeJS.Timeout;
  #storedTimer?: NodeJS.Timeout;
  #monitor?: mqtt.MqttClient;
  #unAlert?: () => void;
  /** Per asset: last learning step told (0–5, fifths), and whether "scoring started" was told. */
  readonly #learnStep = new Map<string, number>();
  readonly #scoring = new Set<string>();
  #allScoringTold = false;
  #learningTold = false;
  /** Alert ids whose open/close was seen at the subscriber / in InfluxDB, to say so once each. */
  readonly #sentSeen = new Set<string>();
  readonly #pendingStored = new Map<string, { asset: string; since: number }>();
  readonly #opened: AlertUpdate[] = [];
  readonly #closed: AlertUpdate[] = [];
  readonly sent = { alerts: 0, summaries: 0, status: 0, other: 0, bytes: 0 };
  bandwidth: { deviceBytes: number; uplinkBytes: number; reductionFactor: number | null } | undefined;
  stored: StoredCounts | undefined;
  #influxProblemTold = false;
  #mqttProblemTold = false;
  #summaryBurst?: NodeJS.Timeout;
  #stopping = false;
  #countError: string | undefined;

  constructor(o: StoryOptions) {
    this.#o = o;
  }

  start(): void {
    this.#unAlert = this.#o.latest.onAlert((a) => this.#alert(a));
    this.#timer = setInterval(() => this.#safe(() => this.#tick()), 1000);
    this.#timer.unref();
    if (this.#o.mqtt) this.#subscribe(this.#o.mqtt.url, this.#o.mqtt.root);
    else if (this.#o.influxUrl) {
      // No uplink: the stored counts are told at the summary period instead of with each summary.
      this.#storedTimer = setInterval(() => this.#safe(() => this.#tellStored()), this.#o.summaryPeriodS * 1000);
      this.#storedTimer.unref();
    }
  }

  /** Stops watching (the final counts are taken first, while InfluxDB still runs). */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#timer);
    clearInterval(this.#storedTimer);
    clearTimeout(this.#summaryBurst);
    this.#unAlert?.();
    await this.#count().catch((err: Error) => { this.#countError = err.message; });
    await this.#monitor?.endAsync(true).catch(() => undefined);
  }

  /** The short summary printed at Ctrl+C. */
  summary(): string[] {
    const mins = Math.round((Date.now() - this.#startedAt) / 1000);
    const alerts = this.#opened.length
      ? `${this.#opened.length} alert(s) opened (${[...new Set(this.#opened.map((a) => a.asset))].join(', ')}), ${this.#closed.length} closed`
      : 'no alert opened';
    return [
      `Demo summary after ${Math.floor(mins / 60)} min ${mins % 60} s: ${this.#scoring.size}/${this.#o.assets.length} assets scoring, ${alerts}.`,
      this.stored ? `  Stored in InfluxDB: ${this.#storedText(this.stored)}.` : `  Stored in InfluxDB: ${this.#o.influxUrl ? `unknown (${this.#countError ?? 'not counted'})` : 'nothing (no InfluxDB)'}.`,
      this.#o.mqtt ? `  Sent upstream: ${this.#sentText()}.` : '  Sent upstream: nothing (no MQTT broker).',
    ];
  }

  #safe(fn: () => unknown): void {
    try {
      const r = fn();
      if (r instanceof Promise) r.catch(() => undefined);
    } catch {
      /* a story line is never worth stopping the gateway for */
    }
  }

  #tick(): void {
    const snaps = new Map(this.#o.latest.assets().map((s) => [s.asset, s]));
    // Learning: one line for all assets at each fifth any of them reaches.
    const learning = this.#o.assets.map((a) => snaps.get(a)).filter((s) => s?.state === 'learning' && s.learning);
    if (learning.length) {
      let moved = false;
      for (const s of learning) {
        const step = Math.floor(s!.learning!.fraction * 5);
        if (step > (this.#learnStep.get(s!.asset) ?? -1)) { this.#learnStep.set(s!.asset, step); moved = true; }
      }
      if (moved || !this.#learningTold) {
        this.#learningTold = true;
        this.#o.write(`Learning baselines: ${learning.map((s) => `${s!.asset} [${bar(s!.learning!.fraction)}] ${s!.learning!.progress}`).join('  ')}`);
      }
    }
    for (const a of this.#o.assets) {
      const s = snaps.get(a);
      if (!s || this.#scoring.has(a) || s.score === undefined || (s.state !== 'normal' && s.state !== 'alert')) continue;
      this.#scoring.add(a);
      const how = this.#learnStep.has(a) ? 'baseline learned now' : 'baseline learned earlier (kept in the data dir)';
      this.#o.write(`Scoring started: ${a}, ${how}, threshold ${s.threshold?.toFixed(2)}, score now ${s.score.toFixed(2)}`);
    }
    if (!this.#allScoringTold && this.#o.assets.every((a) => this.#scoring.has(a))) {
      this.#allScoringTold = true;
      this.#o.write(`Scoring started: all ${this.#o.assets.length} assets scored every window (score > threshold for 3 windows opens an alert)`);
      this.#o.onAllScoring?.();
    }
    if (this.#pendingStored.size && this.#o.influxUrl) void this.#checkStored();
  }

  #alert(a: AlertUpdate): void {
    if (a.kind === 'update') return;
    (a.kind === 'open' ? this.#opened : this.#closed).push(a);
    const detail = (a.message ?? '').replace(/^[^:]*: /, '').replace('; top tags', '; top channels');
    this.#o.write(`ALERT ${a.kind === 'open' ? 'OPENED' : 'CLOSED'} ${a.asset} at ${hhmmss(a.ts)}: ${detail} (id ${a.id})`);
    if (this.#o.influxUrl) this.#pendingStored.set(`${a.id}/${a.kind}`, { asset: a.asset, since: Date.now() });
  }

  /** An alert event is told as stored once InfluxDB returns it (alerts are written with state open/closed). */
  async #checkStored(): Promise<void> {
    for (const [key, p] of [...this.#pendingStored]) {
      const [id, kind] = key.split('/');
      const state = kind!; // stored with tag state = the event kind (open, close)
      try {
        const [n] = await influxCounts(this.#o.influxUrl!, [`SELECT count("alert_id") FROM "summaries"."alerts" WHERE "alert_id" = '${id!.replace(/'/g, "\\'")}' AND "state" = '${state}'`]);
        if (n! > 0) {
          this.#pendingStored.delete(key);
          this.#o.write(`  stored in InfluxDB: alert ${id} (${state}) in "summaries"."alerts" of ${p.asset}`);
        } else if (Date.now() - p.since > 60_000) this.#pendingStored.delete(key);
      } catch (err) {
        this.#influxProblem(err as Error);
        return;
      }
    }
  }

  #subscribe(url: string, root: string): void {
    const client = this.#monitor = mqtt.connect(url, { protocolVersion: 5, clientId: `telltale-demo-monitor-${process.pid}`, reconnectPeriod: 2000, clean: true });
    client.on('connect', () => { client.subscribe(`${root}/#`, { qos: 1 }, () => undefined); });
    client.on('error', (err) => this.#safe(() => {
      if (this.#mqttProblemTold || this.#stopping) return;
      this.#mqttProblemTold = true;
      this.#o.write(`Upstream monitor: cannot subscribe at the broker (${err.message}); the uplink itself is not affected`);
    }));
    client.on('message', (topic, payload) => this.#safe(() => {
      this.sent.bytes += payload.length;
      const kind = topic.slice(root.length + 1);
      const body = JSON.parse(payload.toString()) as { alert?: { id: string; kind: string; asset: string }; bandwidth?: DemoStory['bandwidth'] };
      if (kind === 'alerts') {
        this.sent.alerts++;
        const al = body.alert;
        if (al && (al.kind === 'open' || al.kind === 'close') && !this.#sentSeen.has(`${al.id}/${al.kind}`)) {
          this.#sentSeen.add(`${al.id}/${al.kind}`);
          this.#o.write(`  sent upstream: alert ${al.id} (${al.kind}) of ${al.asset} on ${topic}, ${payload.length} bytes`);
        }
      } else if (kind === 'summaries') {
        this.sent.summaries++;
        if (body.bandwidth) this.bandwidth = body.bandwidth;
        // One line per summary period (one summary per asset arrives in a burst).
        clearTimeout(this.#summaryBurst);
        this.#summaryBurst = setTimeout(() => this.#safe(() => this.#tellStored()), 1500);
        this.#summaryBurst.unref();
      } else if (kind === 'status') this.sent.status++;
      else this.sent.other++;
    }));
  }

  async #count(): Promise<void> {
    if (!this.#o.influxUrl) return;
    const [samples, features, scores, alerts] = await influxCounts(this.#o.influxUrl, STORED_QUERIES);
    this.stored = { samples: samples!, features: features!, scores: scores!, alerts: alerts! };
  }

  async #tellStored(): Promise<void> {
    try {
      await this.#count();
    } catch (err) {
      this.#influxProblem(err as Error);
    }
    const parts = [
      ...(this.stored ? [`Stored in InfluxDB: ${this.#storedText(this.stored)}`] : []),
      ...(this.#o.mqtt ? [`sent upstream: ${this.#sentText()}`] : []),
    ];
    if (parts.length) this.#o.write(parts.join(' · '));
  }

  #storedText(s: StoredCounts): string {
    return `${s.samples} sample batches, ${s.features} feature windows, ${s.scores} scores, ${s.alerts} alert events`;
  }

  #sentText(): string {
    const bw = this.bandwidth;
    const reduction = bw && bw.deviceBytes > 0
      ? `; this hour ${kB(bw.deviceBytes)} read from devices, ${kB(bw.uplinkBytes)} sent: ${bw.reductionFactor ? `${bw.reductionFactor}x less` : `${(100 * (1 - bw.uplinkBytes / bw.deviceBytes)).toFixed(1)} % less`}`
      : '';
    return `${this.sent.alerts} alert messages (open, updates, close), ${this.sent.summaries} summaries, ${this.sent.status} status (${kB(this.sent.bytes)}), no raw samples${reduction}`;
  }

  #influxProblem(err: Error): void {
    if (this.#influxProblemTold) return;
    this.#influxProblemTold = true;
    this.#o.write(`Stored counts: cannot query InfluxDB (${err.message}); writes queue on disk meanwhile`);
  }
}
