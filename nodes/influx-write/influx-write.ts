/**
 * influx-write: writes what the flow produces (sample batches, features, scores, alerts, health) to InfluxDB 1.x
 * through the core TsdbWriter: batched, with a disk queue that keeps writes while InfluxDB is down.
 * Target "url": a writer of its own. Target "gateway": the gateway's writer of gateway.yaml's `tsdb:` section, which
 * already stores every device's raw samples, so sample batches arriving here are not written twice.
 */
import { join } from 'node:path';
import { TsdbWriter, resolveTsdbConfig, toTsdbRecords, type TsdbMetrics } from '../../gateway/outputs/influx/index.ts';
import type { NodeAPI, NodeDef, NodeStatus, RedNode } from '../shared/red.ts';
import { identityOf, queueDir } from '../cloud-uplink/identity.ts';
import { telltaleSettings } from '../shared/settings.ts';
import type { TsdbRecord } from '../../gateway/outputs/influx/records.ts';

const STATUS_EVERY_MS = 1000;

export function tsdbDot(m: TsdbMetrics): NodeStatus {
  const full = m.storage && m.storage.state !== 'ok' ? `, ${m.storage.state} (${m.storage.memory.points} in memory)` : '';
  if (m.connected) return { fill: full ? 'yellow' : 'green', shape: 'dot', text: `connected, ${m.pointsQueued} queued${full}` };
  return { fill: 'red', shape: 'ring', text: `offline, ${m.pointsQueued} queued${full}` };
}

/** A status timer's callback that reports instead of throwing into the event loop. */
function guarded(node: RedNode, fn: () => void): () => void {
  return () => {
    try {
      fn();
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: `status: ${(err as Error).message}`.slice(0, 40) });
    }
  };
}

export default function (RED: NodeAPI): void {
  function InfluxWriteNode(this: RedNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const where = `influx-write "${def.name || def.id}"`;
    if (def.target === 'gateway') {
      gatewayTarget(RED, node, where);
      return;
    }
    let writer: TsdbWriter;
    try {
      const { site, gateway } = identityOf(RED, def);
      writer = new TsdbWriter({
        config: resolveTsdbConfig({
          url: String(def.url ?? ''),
          ...(def.db ? { database: String(def.db) } : {}),
          ...(node.credentials?.user ? { username: node.credentials.user } : {}),
          ...(node.credentials?.password ? { password: node.credentials.password } : {}),
          ...(def.batchSize ? { batchSize: Number(def.batchSize) } : {}),
          ...(def.flushIntervalMs ? { flushIntervalMs: Number(def.flushIntervalMs) } : {}),
        }, where),
        site,
        gateway,
        queuePath: join(queueDir(RED), `influx-${def.id}.sqlite`),
        onError: (err) => node.warn(err.message),
      });
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: 'bad configuration' });
      node.error(err);
      return;
    }
    node.status({ fill: 'yellow', shape: 'ring', text: 'connecting' });
    writer.connect().catch((err: Error) => node.error(err));
    const timer = setInterval(guarded(node, () => node.status(tsdbDot(writer.metrics()))), STATUS_EVERY_MS);

    node.on('input', (msg, _send, done) => {
      try {
        writer.write(toTsdbRecords(msg.payload)).then(() => done(), done);
      } catch (err) {
        done(err as Error);
      }
    });
    node.on('close', (_removed, done) => {
      clearInterval(timer);
      writer.close().catch((err: Error) => node.error(err)).finally(done);
    });
  }
  /** Writes through the gateway's own TsdbWriter; the gateway owns (and closes) it. */
  function gatewayTarget(RED: NodeAPI, node: RedNode, where: string): void {
    const outputs = telltaleSettings(RED).outputs;
    const writer = outputs?.tsdb;
    if (!writer) {
      node.status({ fill: 'red', shape: 'ring', text: 'gateway has no tsdb' });
      const problem = `${where}: target "gateway" needs a tsdb: section in gateway.yaml (or env TELLTALE_INFLUX_URL with one); choose target "url" to write to a URL of this node's own`;
      node.error(problem);
      node.on('input', (_msg, _send, done) => done(new Error(problem)));
      return;
    }
    const show = guarded(node, () => {
      const dot = tsdbDot(writer.metrics());
      node.status({ ...dot, text: `gateway: ${dot.text}` });
    });
    show();
    const timer = setInterval(show, STATUS_EVERY_MS);
    const skip = (r: TsdbRecord) => outputs.ownsSamples && r.kind === 'samples';
    node.on('input', (msg, _send, done) => {
      try {
        writer.write(toTsdbRecords(msg.payload).filter((r) => !skip(r))).then(() => done(), done);
      } catch (err) {
        done(err as Error);
      }
    });
    node.on('close', (_removed, done) => {
      clearInterval(timer);
      done();
    });
  }
  RED.nodes.registerType('influx-write', InfluxWriteNode, { credentials: { user: { type: 'text' }, password: { type: 'password' } } });
}
