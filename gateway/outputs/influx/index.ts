export { TsdbWriter, type TsdbWriterOptions, type TsdbMetrics } from './writer.ts';
export { TsdbConfig, parseInfluxUrl, resolveTsdbConfig, type InfluxEndpoint } from './config.ts';
export { DiskQueue, valuesOf, type QueuedBatch } from './disk-queue.ts';
export { FieldTypes, sampleField, samplePoints, SAMPLES, SAMPLE_QUALITY, GOOD_FIELD, BAD_FIELD, TEXT_SUFFIX, ESCAPE_PREFIX } from './sample-points.ts';
export { toPoints, KINDS, KIND_RANK, type TsdbKind, type TsdbRecord, type AlertRecord, type FeatureRecord, type ScoreRecord, type HealthRecord, type SamplesRecord, type DriftRecord } from './records.ts';
export { ensureSchema, sampleFieldTypes, continuousQueries, RAW_RP, SUMMARY_RP, KIND_RP } from './schema-setup.ts';
export { toTsdbRecords } from './from-message.ts';
