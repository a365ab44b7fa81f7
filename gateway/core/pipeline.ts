/**
 * The small interfaces the pipeline is made of (after Telegraf): inputs emit samples, processors transform
 * batches, outputs write them. Node-RED nodes, the CLI and the benchmarks are hosts that wire these together.
 */
import type { DeviceStatus, SampleBatch } from './sample.ts';

export type SampleListener = (batch: SampleBatch) => void;
export type StatusListener = (status: DeviceStatus) => void;

/** An acquisition source: a Modbus device, an OPC UA endpoint. Never throws from its poll loop. */
export interface Input {
  readonly id: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): DeviceStatus;
  /** Subscribe to batches; returns an unsubscribe function. */
  onSamples(listener: SampleListener): () => void;
  /** Subscribe to status changes (connect, disconnect, error); returns an unsubscribe function. */
  onStatus(listener: StatusListener): () => void;
}

export interface Processor<I = SampleBatch, O = SampleBatch> {
  apply(batch: I): O | undefined;
}

export interface Output<T> {
  connect(): Promise<void>;
  write(items: readonly T[]): Promise<void>;
  close(): Promise<void>;
}
