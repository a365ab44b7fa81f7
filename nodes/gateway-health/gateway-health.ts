/**
 * gateway-health: every `intervalS` seconds (and on any input) sends msg.payload = { component, ts, metrics } —
 * device counters from the gateway's registry, memory and event-loop lag, and the outbox, bandwidth and InfluxDB
 * queue of the gateway's own outputs when gateway.yaml configures them — which influx-write stores in the
 * `health` measurement the gateway-health dashboard reads.
 */
import { telltaleSettings } from '../shared/settings.ts';
import type { NodeAPI, NodeDef, RedNode } from '../shared/red.ts';
import { HealthSampler, type HealthMessage } from '../../gateway/runtime/health.ts';

export const DEFAULT_INTERVAL_S = 10;

/** The interval in seconds, or an error naming the node and the bad value. */
export function intervalOf(def: NodeDef): number {
  const raw = def.intervalS === undefined || def.intervalS === '' ? DEFAULT_INTERVAL_S : Number(def.intervalS);
  if (!Number.isFinite(raw) || raw <= 0) {
    throw new Error(`gateway-health "${def.name || def.id}": intervalS must be a number of seconds above 0, got ${JSON.stringify(def.intervalS)}`);
  }
  return raw;
}

const mb = (bytes: number) => `${Math.round(bytes / 1048576)} MB`;
const summary = (h: HealthMessage) =>
  `${h.metrics.samples_per_s?.toFixed(1) ?? '?'} samples/s, ${h.metrics.devices_connected}/${h.metrics.devices} devices, ${mb(h.metrics.rss_bytes)}`;

export default function (RED: NodeAPI): void {
  function GatewayHealthNode(this: RedNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let intervalS: number;
    try {
      intervalS = intervalOf(def);
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: 'bad configuration' });
      node.error(err);
      return;
    }
    const { registry, outputs } = telltaleSettings(RED);
    const sampler = new HealthSampler({
      statuses: () => registry.statuses(),
      component: typeof def.component === 'string' ? def.component : '',
      uplink: () => outputs?.uplink,
      tsdb: () => outputs?.tsdb,
    });
    const emit = (): void => {
      const payload = sampler.sample();
      // Red when a device is down: the dot then says what the dashboard's reconnect panel will show.
      const down = payload.metrics.devices - payload.metrics.devices_connected;
      node.status({ fill: down > 0 ? 'red' : 'green', shape: down > 0 ? 'ring' : 'dot', text: summary(payload) });
      node.send({ topic: 'health', payload });
    };
    const timer = setInterval(emit, intervalS * 1000);

    node.on('input', (_msg, _send, done) => {
      emit();
      done();
    });
    node.on('close', (_removed, done) => {
      clearInterval(timer);
      sampler.close();
      done();
    });
  }
  RED.nodes.registerType('gateway-health', GatewayHealthNode);
}
