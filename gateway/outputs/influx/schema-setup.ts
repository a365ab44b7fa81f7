/**
 * Creates, if missing, what the tsdb output writes into: the database, a short `raw` retention policy (default),
 * a long `summaries` one, and continuous queries that downsample samples, features and scores into it.
 */
import type { InfluxDB } from 'influx';
import type { TsdbKind } from './records.ts';

export const RAW_RP = 'raw';
export const SUMMARY_RP = 'summaries';

/** Retention policy each kind is written to: alerts are kept as long as the summaries. */
export const KIND_RP: Record<TsdbKind, string> = { samples: RAW_RP, features: RAW_RP, scores: RAW_RP, health: RAW_RP, drift: RAW_RP, alerts: SUMMARY_RP };

export interface RetentionSettings { raw: string; summaries: string; summaryInterval: string }

const q = (name: string) => `"${name.replace(/"/g, '\\"')}"`;

/** The downsampling continuous queries, by name. */
export function continuousQueries(db: string, interval: string): Record<string, string> {
  const from = (m: string) => `${q(db)}.${q(RAW_RP)}.${q(m)}`;
  const into = (m: string) => `${q(db)}.${q(SUMMARY_RP)}.${q(`${m}_${interval}`)}`;
  return {
    // One summary point per asset/device and interval with mean_<tag>, min_<tag>, max_<tag>, count_<tag> (the
    // wildcards skip string fields where the function needs numbers) and the same of _good/_bad.
    [`cq_samples_${interval}`]:
      `SELECT mean(*), min(*), max(*), count(*) INTO ${into('samples')} FROM ${from('samples')} GROUP BY time(${interval}), *`,
    [`cq_scores_${interval}`]:
      `SELECT mean("score") AS "mean", max("score") AS "max", count("score") AS "count" INTO ${into('scores')} FROM ${from('scores')} GROUP BY time(${interval}), *`,
    [`cq_features_${interval}`]: `SELECT mean(*) INTO ${into('features')} FROM ${from('features')} GROUP BY time(${interval}), *`,
  };
}

export async function ensureSchema(influx: InfluxDB, db: string, r: RetentionSettings): Promise<void> {
  const names = await influx.getDatabaseNames();
  if (!names.includes(db)) await influx.createDatabase(db);
  const rps = await influx.showRetentionPolicies(db);
  const have = new Set(rps.map((p) => p.name));
  if (!have.has(RAW_RP)) await influx.createRetentionPolicy(RAW_RP, { database: db, duration: r.raw, replication: 1, isDefault: true });
  if (!have.has(SUMMARY_RP)) await influx.createRetentionPolicy(SUMMARY_RP, { database: db, duration: r.summaries, replication: 1 });
  const cqs = await influx.showContinousQueries(db);
  const haveCq = new Map(cqs.map((c) => [c.name, c.query]));
  for (const [name, body] of Object.entries(continuousQueries(db, r.summaryInterval))) {
    const old = haveCq.get(name);
    // A samples CQ of the one-point-per-value schema reads field "value", which the wide points no longer have.
    if (old !== undefined && name.startsWith('cq_samples_') && /mean\(value\)/.test(old)) await influx.dropContinuousQuery(name, db);
    else if (old !== undefined) continue;
    await influx.createContinuousQuery(name, body, db);
  }
}

/** Field name → type (float, integer, string, boolean) of the raw `samples` measurement as InfluxDB holds it. */
export async function sampleFieldTypes(influx: InfluxDB, db: string): Promise<[string, string][]> {
  const rows = await influx.query<{ fieldKey: string; fieldType: string }>(`SHOW FIELD KEYS FROM ${q(RAW_RP)}.${q('samples')}`, { database: db });
  return rows.map((r) => [r.fieldKey, r.fieldType]);
}
