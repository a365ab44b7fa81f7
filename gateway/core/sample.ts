/**
 * The unit that flows through the pipeline: one poll group (Modbus) or one publish (OPC UA) of one device.
 * Every input emits SampleBatch objects; processors and outputs consume them.
 */

/** A decoded, scaled tag value. Bad-quality tags carry null. */
export type TagValue = number | boolean | string | null;

/** Per-tag quality. A good value shares the frozen GOOD object so the hot path allocates nothing for it. */
export type Quality = { readonly status: 'good' } | { readonly status: 'bad'; readonly reason: string; readonly code?: string };

export const GOOD: Quality = Object.freeze({ status: 'good' as const });

export function bad(reason: string, code?: string): Quality {
  return Object.freeze(code === undefined ? { status: 'bad' as const, reason } : { status: 'bad' as const, reason, code });
}

export interface SampleBatch {
  /** Device (connection) id from the config. */
  device: string;
  /** Asset the tags belong to (a pump, a motor); one batch holds tags of one asset. */
  asset: string;
  /** Poll group (Modbus) or subscription group (OPC UA) that produced the batch, when the source has several. */
  group?: string;
  /** Acquisition timestamp, ms since the epoch (the source timestamp when the protocol gives one). */
  ts: number;
  /** Tag name → value. */
  values: Record<string, TagValue>;
  /** Tag name → quality (same keys as values). */
  quality: Record<string, Quality>;
  /** Bytes received from the device for this batch (protocol frames), when the input counts them; the uplink's
   * bandwidth accounting (bytes from devices vs bytes sent upstream) uses it, else an estimate. */
  wireBytes?: number;
}

export type ConnectionState = 'connecting' | 'connected' | 'backoff' | 'disconnected' | 'stopped';

export interface DeviceStatus {
  id: string;
  protocol: 'modbus-tcp' | 'modbus-rtu' | 'opcua';
  state: ConnectionState;
  connected: boolean;
  /** Values read so far (good or bad). */
  samples: number;
  /** Failed requests (timeouts, exceptions, transport errors). */
  errors: number;
  reconnects: number;
  lastError?: string;
  lastSampleTs?: number;
  /** Requests sent (Modbus) or notifications received (OPC UA). */
  requests: number;
  /** Polls skipped because the previous poll of the same group was still running (Modbus). */
  skippedPolls?: number;
}
