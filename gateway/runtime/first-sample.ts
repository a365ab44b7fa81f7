/** Watches a registry for the first batch with a good value, from any device (the demo's time-to-first-sample). */
import type { DeviceRegistry } from './registry.ts';

export function onFirstGoodSample(registry: DeviceRegistry, listener: (device: string, asset: string) => void): () => void {
  const unsubs = new Map<string, () => void>();
  let done = false;
  const stop = () => {
    done = true;
    for (const u of unsubs.values()) u();
    unsubs.clear();
    offRegistry();
  };
  const watch = (id: string) => {
    const input = registry.get(id);
    if (!input || unsubs.has(id) || done) return;
    unsubs.set(id, input.onSamples((batch) => {
      if (done) return;
      for (const name in batch.quality) {
        if (batch.quality[name].status === 'good') {
          stop();
          listener(batch.device, batch.asset);
          return;
        }
      }
    }));
  };
  const offRegistry = registry.onChange((e) => {
    if (e.type === 'registered') return watch(e.id);
    unsubs.get(e.id)?.();
    unsubs.delete(e.id);
  });
  for (const input of registry.list()) watch(input.id);
  return stop;
}
