export { CloudUplink, type CloudUplinkOptions, type UplinkStatus, type UplinkStatusListener } from './cloud-uplink.ts';
export { UplinkConfig, resolveUplinkConfig, loadTls } from './config.ts';
export { SqliteOutbox, SCHEMA_VERSION, type OutboxStore, type OutboxMessage, type OutboxStats, type MessageClass, type Envelope } from './outbox.ts';
export { SummaryAggregator, mergeSummaries, mergeStat, addToStat, type AssetSummary, type Stat, type UplinkInput, type UplinkAlert } from './summaries.ts';
export { BandwidthMeter, estimateBatchBytes, type BandwidthReport, type HourBucket } from './bandwidth.ts';
export { routeToUplink, type Routed, type ForwardTags } from './from-message.ts';
export { SparkplugSession, NAMESPACE as SPARKPLUG_NAMESPACE, type SpMessage } from './sparkplug/session.ts';
export { encodePayload as encodeSparkplug, decodePayload as decodeSparkplug, DataType as SparkplugDataType, type SpMetric, type SpPayload } from './sparkplug/schema.ts';
export { ReconnectBackoff } from './reconnect-backoff.ts';
