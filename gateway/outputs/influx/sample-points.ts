/**
 * How a raw SampleBatch (one device poll of one asset) is stored: ONE point in `samples` with a field per tag,
 * plus one narrow `sample_quality` point per bad value. One point per batch instead of one per value is what lets
 * InfluxDB keep up with acquisition (BENCHMARKS.md, "End to end": ~100× fewer points at 100 tags a poll).
 *
 *   samples         tags site, gateway, asset, device   fields <tag> (number; booleans 1/0; strings as strings),
 *                                                               _good, _bad (counts of the batch), <tag>__text
 *   sample_quality  tags site, gateway, asset, device, tag, quality   field reason
 */
import type { IPoint } from 'influx';
import type { SampleBatch } from '../../core/sample.ts';

export const SAMPLES = 'samples';
export const SAMPLE_QUALITY = 'sample_quality';
/** Reserved count fields of every `samples` point: good / bad values in the batch. */
export const GOOD_FIELD = '_good';
export const BAD_FIELD = '_bad';
/** Suffix of the field that takes a tag's values of the other type (see FieldTypes). */
export const TEXT_SUFFIX = '__text';
/** Prefix of a tag whose own name is reserved-shaped (see sampleField). */
export const ESCAPE_PREFIX = '_t.';

/**
 * The field a tag's values are stored under: its own name, unless the name could collide with a reserved one —
 * it starts with `_` (our count fields), ends in `__text` (the type fallback), or is `time` (InfluxDB refuses that
 * field) — then `_t.<name>`. No unescaped field starts with `_`, so the mapping is one-to-one and never meets
 * `_good`/`_bad`. Tag names come from configs (NAME allows a leading `_`) and from OPC UA / flow payloads, so
 * this is done at write time rather than refused at config validation.
 */
export function sampleField(tag: string): string {
  return tag.startsWith('_') || tag.endsWith(TEXT_SUFFIX) || tag === 'time' ? ESCAPE_PREFIX + tag : tag;
}

type StoredType = 'number' | 'string';

/**
 * InfluxDB fixes a field's type per measurement and shard (not per series: two assets with a tag of the same name
 * share the field). A value of the other type would fail its point — here, the whole batch — with a field type
 * conflict. So the first type a field is written with wins (or the type InfluxDB reports for it at connect, see
 * `learn`); a value of the other type is stored as its string form under `<field>__text`, which is always a
 * string, and counted.
 */
export class FieldTypes {
  private readonly types = new Map<string, StoredType>();
  /** Values stored under `<field>__text` because their type differed from the field's. */
  fallbacks = 0;
  /** Called the first time a field needs the fallback. */
  onFallback: ((field: string, stored: StoredType, got: StoredType) => void) | undefined;

  /** Where a value of this type goes: the field itself or its text fallback. */
  route(field: string, type: StoredType): string {
    const have = this.types.get(field);
    if (have === undefined) {
      this.types.set(field, type);
      return field;
    }
    if (have === type) return field;
    this.fallbacks += 1;
    const text = field + TEXT_SUFFIX;
    if (!this.types.has(text)) {
      this.types.set(text, 'string');
      this.onFallback?.(field, have, type);
    }
    return text;
  }

  /** Takes the field types InfluxDB already holds (SHOW FIELD KEYS): they win over what this process saw first. */
  learn(fields: Iterable<readonly [string, string]>): void {
    for (const [name, influxType] of fields) this.types.set(name, influxType === 'string' ? 'string' : 'number');
  }
}

function put(fields: Record<string, number | string>, types: FieldTypes, tag: string, v: number | string): void {
  const field = sampleField(tag);
  const to = types.route(field, typeof v === 'string' ? 'string' : 'number');
  fields[to] = to === field ? v : String(v);
}

/** Appends the batch's `samples` point and one `sample_quality` point per bad value. */
export function samplePoints(b: SampleBatch, t: { site: string; gateway: string }, types: FieldTypes, out: IPoint[]): void {
  const tags = { site: t.site, gateway: t.gateway, asset: b.asset, device: b.device };
  const fields: Record<string, number | string> = {};
  let good = 0;
  let badCount = 0;
  for (const tag in b.values) {
    const v = b.values[tag];
    const q = b.quality[tag];
    let reason: string | undefined;
    if (q !== undefined && q.status === 'bad') reason = q.reason;
    else if (typeof v === 'number') {
      if (Number.isFinite(v)) put(fields, types, tag, v);
      else reason = 'non-finite value';
    } else if (typeof v === 'boolean') put(fields, types, tag, v ? 1 : 0);
    else if (typeof v === 'string') put(fields, types, tag, v);
    else reason = 'no value';
    if (reason === undefined) good += 1;
    else {
      badCount += 1;
      out.push({ measurement: SAMPLE_QUALITY, tags: { ...tags, tag, quality: 'bad' }, fields: { reason }, timestamp: b.ts });
    }
  }
  fields[GOOD_FIELD] = good;
  fields[BAD_FIELD] = badCount;
  out.push({ measurement: SAMPLES, tags, fields, timestamp: b.ts });
}
