/**
 * cloud-uplink: forwards alerts at once and per-asset summaries every period to the cloud broker of its
 * mqtt-cloud config node — or, with no broker chosen, through the gateway's own uplink (gateway.yaml `uplink:`).
 * Raw sample batches are only counted (bandwidth), except the tags listed in *Forward*; the gateway's uplink
 * already counts every device's batches, so there they are not counted twice.
 */
import { routeToUplink, type CloudUplink, type UplinkStatus } from '../../gateway/uplink/index.ts';
import { telltaleSettings } from '../shared/settings.ts';
import type { NodeAPI, NodeDef, NodeStatus, RedNode } from '../shared/red.ts';
import type { MqttCloudNode } from '../mqtt-cloud/mqtt-cloud.ts';

const STATUS_EVERY_MS = 1000;

export function uplinkDot(s: Pick<UplinkStatus, 'connected' | 'queued' | 'storage'>): NodeStatus {
  const full = s.storage && s.storage.state !== 'ok' ? `, ${s.storage.state} (${s.storage.memory.held} in memory)` : '';
  if (s.connected) return { fill: full ? 'yellow' : 'green', shape: 'dot', text: `connected, ${s.queued} queued${full}` };
  return { fill: 'red', shape: 'ring', text: `offline, ${s.queued} queued${full}` };
}

export default function (RED: NodeAPI): void {
  function CloudUplinkNode(this: RedNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const chosen = RED.nodes.getNode(String(def.broker ?? '')) as MqttCloudNode | null;
    const outputs = telltaleSettings(RED).outputs;
    const gatewayUplink: CloudUplink | undefined = chosen ? undefined : outputs?.uplink;
    if (!chosen && !gatewayUplink) {
      node.status({ fill: 'red', shape: 'ring', text: 'no broker configured' });
      node.on('input', (_msg, _send, done) => done(new Error(`cloud-uplink "${def.name || def.id}": no mqtt-cloud broker chosen and no uplink: section in gateway.yaml`)));
      return;
    }
    const broker: Pick<MqttCloudNode, 'uplink' | 'problem'> = chosen ?? { uplink: gatewayUplink };
    // `tag` or `asset/tag`, comma-separated: the only raw values that leave the site.
    const forward = new Set(String(def.forward ?? '').split(',').map((t) => t.trim()).filter(Boolean));
    const countBatches = !(gatewayUplink && outputs?.ownsSamples);
    // Runs from a timer and the uplink's status events: never throws into the event loop.
    const show = () => {
      try {
        const u = broker.uplink;
        node.status(u ? uplinkDot(u.status()) : { fill: 'red', shape: 'ring', text: (broker.problem ?? 'broker not ready').slice(0, 40) });
      } catch (err) {
        node.status({ fill: 'red', shape: 'ring', text: `status: ${(err as Error).message}`.slice(0, 40) });
      }
    };
    show();
    const timer = setInterval(show, STATUS_EVERY_MS);
    const unsubscribe = broker.uplink?.onStatus(() => show());

    node.on('input', (msg, _send, done) => {
      const u = broker.uplink;
      if (!u) return done(new Error(`cloud-uplink "${def.name || def.id}": ${broker.problem ?? 'broker not ready'}`));
      try {
        routeToUplink(u, msg.payload, forward, { countBatches });
        done();
      } catch (err) {
        done(err as Error);
      }
    });
    node.on('close', (_removed, done) => {
      clearInterval(timer);
      unsubscribe?.();
      done();
    });
  }
  RED.nodes.registerType('cloud-uplink', CloudUplinkNode);
}
