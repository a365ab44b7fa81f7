/**
 * Audit events of the model lifecycle: every install, refusal, activation, rollback and shadow verdict. They go to
 * injected sinks; adapters here send them to InfluxDB (TsdbWriter) and upstream (CloudUplink) as alert records of
 * severity `audit` — those two outputs already keep alerts durable and never drop them, which is what an audit
 * trail needs, so no new record kind is added to either output.
 */
import type { TsdbWriter } from '../../outputs/influx/writer.ts';
import type { CloudUplink } from '../../uplink/cloud-uplink.ts';

export type AuditAction = 'installed' | 'refused' | 'activated' | 'rolled-back' | 'shadow-started' | 'shadow-report' | 'promoted' | 'shadow-rejected';

export interface AuditEvent {
  ts: number;
  action: AuditAction;
  /** Version id in the store (`<name>-v<version>`), when the event concerns one. */
  modelId?: string;
  /** The version active before an activation or rollback. */
  previousId?: string;
  /** Refusal reason (unsigned, bad-signature, …). */
  reason?: string;
  /** Shadow agreement share 0..1 and the rows it was measured on. */
  agreement?: number;
  rows?: number;
  /** Where the bundle came from: api upload, drop directory path, CLI. */
  source?: string;
  message: string;
}

export type AuditSink = (event: AuditEvent) => void | Promise<void>;

/** The asset tag used for lifecycle events in InfluxDB and upstream: they concern the gateway, not one asset. */
export const AUDIT_ASSET = 'gateway';

const alertId = (e: AuditEvent): string => `model-${e.action}-${e.ts}`;

export function tsdbAuditSink(writer: Pick<TsdbWriter, 'write'>): AuditSink {
  // InfluxDB keeps one point per series and timestamp: two events in the same ms must not overwrite each other.
  let last = 0;
  return (e) => {
    last = Math.max(e.ts, last + 1);
    return writer.write([{ kind: 'alerts', asset: AUDIT_ASSET, ts: last, alertId: alertId(e), state: 'update', severity: 'audit', message: e.message }]);
  };
}

export function uplinkAuditSink(uplink: Pick<CloudUplink, 'alert'>): AuditSink {
  return (e) => {
    uplink.alert({ kind: 'update', id: alertId(e), asset: AUDIT_ASSET, ts: e.ts, severity: 'audit', audit: { ...e } });
  };
}

/** Sends an event to every sink; a failing sink is reported through onError and never blocks the others. */
export async function emitAudit(sinks: readonly AuditSink[], event: AuditEvent, onError: (err: Error) => void): Promise<void> {
  await Promise.all(sinks.map(async (sink) => {
    try {
      await sink(event);
    } catch (err) {
      onError(new Error(`audit event ${event.action}: ${(err as Error).message}`));
    }
  }));
}
