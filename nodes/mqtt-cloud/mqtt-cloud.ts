/**
 * mqtt-cloud: a config node owning one CloudUplink (MQTT 5 client + durable outbox) for the cloud-uplink nodes
 * that use it. Credentials (user/password) are Node-RED credentials; TLS material is read from PEM files.
 */
import { join } from 'node:path';
import { CloudUplink, resolveUplinkConfig } from '../../gateway/uplink/index.ts';
import type { NodeAPI, NodeDef, RedNode } from '../shared/red.ts';
import { identityOf, queueDir } from '../cloud-uplink/identity.ts';

export interface MqttCloudNode extends RedNode {
  uplink?: CloudUplink;
  /** Why there is no uplink, for the users' status. */
  problem?: string;
}

const opt = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : v);

export default function (RED: NodeAPI): void {
  function MqttCloudNodeCtor(this: MqttCloudNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const where = `mqtt-cloud "${def.name || def.id}"`;
    try {
      const { site, gateway } = identityOf(RED, def);
      const tls = { ca: opt(def.ca), cert: opt(def.cert), key: opt(def.key), rejectUnauthorized: def.rejectUnauthorized !== false };
      node.uplink = new CloudUplink({
        config: resolveUplinkConfig({
          url: String(def.broker ?? ''),
          ...(opt(def.clientId) ? { clientId: String(def.clientId) } : {}),
          ...(node.credentials?.user ? { username: node.credentials.user } : {}),
          ...(node.credentials?.password ? { password: node.credentials.password } : {}),
          tls: Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined)),
          ...(opt(def.summaryPeriodS) ? { summaryPeriodMs: Number(def.summaryPeriodS) * 1000 } : {}),
          ...(opt(def.maxMessages) ? { outbox: { maxMessages: Number(def.maxMessages) } } : {}),
        }, where),
        site,
        gateway,
        outboxPath: join(queueDir(RED), `outbox-${def.id}.sqlite`),
        ...(def.format === 'sparkplug' ? { sparkplug: opt(def.sparkplugGroup) ? { group: String(def.sparkplugGroup) } : {} } : {}),
        onError: (err) => node.warn(err.message),
      });
      node.uplink.start();
    } catch (err) {
      node.problem = (err as Error).message;
      node.error(err);
    }
    node.on('close', (_removed, done) => {
      const u = node.uplink;
      node.uplink = undefined;
      (u ? u.stop() : Promise.resolve()).catch((err: Error) => node.error(err)).finally(done);
    });
  }
  RED.nodes.registerType('mqtt-cloud', MqttCloudNodeCtor, { credentials: { user: { type: 'text' }, password: { type: 'password' } } });
}
