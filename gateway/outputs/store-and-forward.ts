/**
 * Builds the store-and-forward outputs a gateway config asks for (InfluxDB tsdb, MQTT uplink), with their
 * queue files under the data dir, and says plainly what is not connected, for hosts (the CLI demo/start).
 */
import { join } from 'node:path';
import { TsdbWriter } from './influx/writer.ts';
import type { TsdbConfig } from './influx/config.ts';
import { CloudUplink } from '../uplink/cloud-uplink.ts';
import type { UplinkConfig } from '../uplink/config.ts';
import type { TsdbRecord } from './influx/records.ts';
import { toTsdbRecords } from './influx/from-message.ts';
import { routeToUplink } from '../uplink/from-message.ts';

export interface StoreAndForwardConfig {
  gateway: { id: string; site: string; dataDir: string };
  tsdb?: TsdbConfig;
  uplink?: UplinkConfig;
  /** Bounds of the memory buffers used while the disk is full (defaults: MEMORY_CAP messages, MEMORY_MAX_VALUES values). */
  memory?: { uplinkMessages?: number; tsdbValues?: number };
}

export interface StoreAndForward {
  tsdb?: TsdbWriter;
  uplink?: CloudUplink;
  /** One line per output: where it writes, or that it is off and what that means. */
  describe(): string[];
  /** Hands one pipeline payload to both outputs (samples, features/scores, alerts, health). */
  accept(payload: unknown): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function storeAndForward(cfg: StoreAndForwardConfig, onError: (err: Error) => void = () => undefined): StoreAndForward {
  const queues = join(cfg.gateway.dataDir, 'queues');
  const ids = { site: cfg.gateway.site, gateway: cfg.gateway.id };
  const mem = cfg.memory ?? {};
  const tsdb = cfg.tsdb && new TsdbWriter({ config: cfg.tsdb, ...ids, queuePath: join(queues, 'influx.sqlite'), onError, ...(mem.tsdbValues ? { memoryMaxValues: mem.tsdbValues } : {}) });
  const uplink = cfg.uplink && new CloudUplink({ config: cfg.uplink, ...ids, outboxPath: join(queues, 'outbox.sqlite'), onError, ...(mem.uplinkMessages ? { memoryCap: mem.uplinkMessages } : {}) });
  return {
    ...(tsdb ? { tsdb } : {}),
    ...(uplink ? { uplink } : {}),
    describe: () => [
      tsdb ? `tsdb: InfluxDB ${cfg.tsdb!.url} database ${tsdb.database} (queue ${join(queues, 'influx.sqlite')})` : 'tsdb: not configured — samples, features and scores are not stored locally',
      uplink ? `uplink: MQTT ${cfg.uplink!.url} topics ${uplink.topics.alerts.replace(/\/alerts$/, '/…')} (outbox ${join(queues, 'outbox.sqlite')})` : 'uplink: not configured — alerts and summaries are not sent to the cloud',
    ],
    accept: async (payload) => {
      let records: TsdbRecord[] | undefined;
      if (tsdb) {
        records = toTsdbRecords(payload);
        await tsdb.write(records);
      }
      if (uplink) {
        for (const p of Array.isArray(payload) ? payload : [payload]) routeToUplink(uplink, p);
      }
    },
    start: async () => {
      uplink?.start();
      await tsdb?.connect();
    },
    stop: async () => {
      await Promise.all([tsdb?.close(), uplink?.stop()]);
    },
  };
}
