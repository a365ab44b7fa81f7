/**
 * Bandwidth accounting: bytes read from devices vs bytes sent upstream, per hour. Their ratio is the reduction
 * factor the uplink buys by sending alerts and summaries instead of raw samples.
 */
import type { SampleBatch, TagValue } from '../core/sample.ts';

export interface HourBucket { hour: number; deviceBytes: number; uplinkBytes: number }

export interface BandwidthReport {
  /** The current hour and the totals since start. */
  currentHour: HourBucket;
  hours: HourBucket[];
  totalDeviceBytes: number;
  totalUplinkBytes: number;
  /** totalDeviceBytes / totalUplinkBytes; null until something was sent. */
  reductionFactor: number | null;
}

const HOUR_MS = 3_600_000;
const KEEP_HOURS = 24;

/**
 * Payload bytes a value took on the wire when the input does not say (`wireBytes`): a register pair for a
 * number, one register for a boolean, the string's bytes. An estimate, kept low so the factor is not flattered.
 */
function valueBytes(v: TagValue): number {
  if (typeof v === 'number') return 4;
  if (typeof v === 'boolean') return 2;
  if (typeof v === 'string') return Buffer.byteLength(v);
  return 0;
}

export function estimateBatchBytes(b: SampleBatch): number {
  if (typeof b.wireBytes === 'number') return b.wireBytes;
  let n = 0;
  for (const k in b.values) n += valueBytes(b.values[k]);
  return n;
}

export class BandwidthMeter {
  private readonly buckets: HourBucket[] = [];
  private totalDevice = 0;
  private totalUplink = 0;
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  addDeviceBytes(n: number): void {
    if (!(n > 0)) return;
    this.bucket().deviceBytes += n;
    this.totalDevice += n;
  }

  addUplinkBytes(n: number): void {
    if (!(n > 0)) return;
    this.bucket().uplinkBytes += n;
    this.totalUplink += n;
  }

  addBatch(b: SampleBatch): void {
    this.addDeviceBytes(estimateBatchBytes(b));
  }

  report(): BandwidthReport {
    const current = this.bucket();
    return {
      currentHour: { ...current },
      hours: this.buckets.map((b) => ({ ...b })),
      totalDeviceBytes: this.totalDevice,
      totalUplinkBytes: this.totalUplink,
      reductionFactor: this.totalUplink > 0 ? this.totalDevice / this.totalUplink : null,
    };
  }

  private bucket(): HourBucket {
    const hour = Math.floor(this.now() / HOUR_MS) * HOUR_MS;
    let last = this.buckets[this.buckets.length - 1];
    if (!last || last.hour !== hour) {
      last = { hour, deviceBytes: 0, uplinkBytes: 0 };
      this.buckets.push(last);
      if (this.buckets.length > KEEP_HOURS) this.buckets.shift();
    }
    return last;
  }
}
