/**
 * feature-window: windows the samples of each asset and emits window features.
 * In: msg.payload = { asset, ts, values, quality } (modbus-read, opcua-subscribe).
 * Out: msg.payload = { asset, ts, features: { "<tag>.<feature>": number }, vector?, names? } per completed window.
 */
import { FeatureProcessor, SCALAR_FEATURES, type AcquiredSample, type ScalarFeature } from '../../gateway/features/index.ts';
import type { NodeAPI, NodeDef, RedNode } from '../shared/red.ts';

const list = (v: unknown): string[] => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);

export default function (RED: NodeAPI): void {
  function FeatureWindowNode(this: RedNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const features = list(def.features);
    let processor: FeatureProcessor;
    try {
      processor = new FeatureProcessor({
        tags: list(def.tags),
        size: Number(def.size),
        hop: def.hop === '' || def.hop === undefined ? undefined : Number(def.hop),
        features: features.length > 0 ? (features as ScalarFeature[]) : SCALAR_FEATURES,
        vector: def.vector === true || def.vector === 'true',
      });
    } catch (err) {
      this.status({ fill: 'red', shape: 'ring', text: 'bad configuration' });
      this.error(err);
      return;
    }
    let windows = 0;
    this.status({ fill: 'grey', shape: 'ring', text: 'waiting for samples' });
    this.on('input', (msg, send, done) => {
      try {
        const frame = processor.apply(msg.payload as AcquiredSample);
        if (frame) {
          windows++;
          this.status({ fill: 'green', shape: 'dot', text: `${windows} windows, ${processor.assetCount} assets` });
          send({ ...msg, topic: frame.asset, payload: frame });
        }
        done();
      } catch (err) {
        this.status({ fill: 'red', shape: 'ring', text: (err as Error).message.slice(0, 40) });
        done(err as Error);
      }
    });
    this.on('close', (_removed, done) => {
      processor.reset();
      done();
    });
  }
  RED.nodes.registerType('feature-window', FeatureWindowNode);
}
