/**
 * What a connection config node (modbus-device, opcua-endpoint) does with the core Input it owns: register it in
 * the gateway's device registry, start it, show its status on every node that uses it, and release it on close.
 */
import type { Input } from '../../gateway/core/pipeline.ts';
import type { SampleBatch } from '../../gateway/core/sample.ts';
import type { NodeAPI, RedNode } from './red.ts';
import { telltaleSettings } from './settings.ts';
import { batchDot, deviceDot } from './status.ts';

export class SharedInput<T extends Input = Input> {
  readonly input: T;
  readonly #owner: RedNode;
  readonly #users = new Set<RedNode>();
  readonly #release: (() => void)[] = [];
  /** Why the input could not run (a duplicate device id), shown to its users. */
  readonly failure: string | undefined;

  constructor(RED: NodeAPI, owner: RedNode, input: T) {
    this.input = input;
    this.#owner = owner;
    try {
      this.#release.push(telltaleSettings(RED).registry.register(input));
    } catch (err) {
      this.failure = (err as Error).message;
      owner.error(this.failure);
      return;
    }
    this.#release.push(input.onStatus((s) => {
      const dot = deviceDot(s);
      for (const u of this.#users) u.status(dot);
    }));
    input.start().catch((err: Error) => owner.error(`device "${input.id}" failed to start: ${err.message}`));
  }

  /** A source node starts using the input: it gets the device status now and on each change. */
  attach(user: RedNode): void {
    this.#users.add(user);
    user.status(this.failure ? { fill: 'red', shape: 'ring', text: 'duplicate device id' } : deviceDot(this.input.status()));
  }

  detach(user: RedNode): void {
    this.#users.delete(user);
  }

  /**
   * Sends one message per batch of the user's group: payload { asset, ts, values, quality }, topic = asset.
   * Batches without a group id are matched by asset. Returns the unsubscribe function.
   */
  emitGroup(user: RedNode, groupId: string, asset: string): () => void {
    return this.input.onSamples((batch: SampleBatch) => {
      if (batch.group !== undefined ? batch.group !== groupId : batch.asset !== asset) return;
      user.send({
        topic: batch.asset,
        device: batch.device,
        payload: { asset: batch.asset, ts: batch.ts, values: batch.values, quality: batch.quality },
      });
      user.status(batchDot(batch.quality));
    });
  }

  async close(): Promise<void> {
    for (const release of this.#release.splice(0)) release();
    this.#users.clear();
    if (this.failure === undefined) {
      await this.input.stop().catch((err: Error) => this.#owner.warn(`device "${this.input.id}" did not stop cleanly: ${err.message}`));
    }
  }
}

/** Device ids come from the config node's name (shown in /healthz); fall back to the node id. */
export function deviceIdOf(def: { id: string; name?: string }): string {
  const name = def.name?.trim();
  return name && /^[A-Za-z0-9_.-]+$/.test(name) ? name : def.id.replace(/[^A-Za-z0-9_.-]/g, '_');
}
