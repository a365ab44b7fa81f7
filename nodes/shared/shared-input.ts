/**
 * What a connection config node (modbus-device, opcua-endpoint) does with the core Input it owns: register it in
 * the gateway's device registry, start it on first use, show its status on every node that uses it, and release
 * it on close.
 */
import type { Input } from '../../gateway/core/pipeline.ts';
import type { DeviceStatus, SampleBatch } from '../../gateway/core/sample.ts';
import type { NodeAPI, NodeDef, NodeStatus, RedNode } from './red.ts';
import { telltaleSettings } from './settings.ts';
import { batchDot, deviceDot } from './status.ts';

export class SharedInput<T extends Input = Input> {
  readonly input: T;
  /**
   * True when the gateway already runs a device with this id (from its YAML config): the config node then uses
   * that input as is — its source nodes listen to its batches per asset — and neither starts nor stops it.
   */
  readonly adopted: boolean;
  /** Why the input cannot be used (its id belongs to a device of another protocol), shown to its users. */
  readonly failure: string | undefined;
  readonly #owner: RedNode;
  readonly #users = new Set<RedNode>();
  readonly #release: (() => void)[] = [];
  readonly #shown = new WeakMap<RedNode, string>();
  #started = false;

  /** `create` builds the core input unless the registry already has one with this id and one of these protocols. */
  constructor(RED: NodeAPI, owner: RedNode, id: string, protocols: readonly DeviceStatus['protocol'][], create: () => T) {
    this.#owner = owner;
    const registry = telltaleSettings(RED).registry;
    const running = registry.get(id);
    this.adopted = running !== undefined;
    this.input = (running as T | undefined) ?? create();
    if (running && !protocols.includes(running.status().protocol)) {
      this.failure = `device id "${id}" is already used by a ${running.status().protocol} device`;
      owner.error(this.failure);
      return;
    }
    this.#release.push(this.input.onStatus((s) => {
      const dot = deviceDot(s);
      for (const u of this.#users) this.#show(u, dot);
    }));
    if (this.adopted) return;
    this.#release.push(registry.register(this.input));
  }

  /**
   * Starts the input once its first user has added a group (as Node-RED's mqtt-broker connects on first use):
   * the device then polls right after connecting instead of polling once before the connection is up.
   */
  ensureStarted(): void {
    if (this.#started || this.adopted || this.failure) return;
    this.#started = true;
    this.input.start().catch((err: Error) => this.#owner.error(`device "${this.input.id}" failed to start: ${err.message}`));
  }

  /** A source node starts using the input: it gets the device status now and on each change. */
  attach(user: RedNode): void {
    this.#users.add(user);
    this.#show(user, this.failure ? { fill: 'red', shape: 'ring', text: 'device id in use' } : deviceDot(this.input.status()));
  }

  detach(user: RedNode): void {
    this.#users.delete(user);
  }

  /**
   * Sends one message per batch of the user's group: payload { asset, ts, values, quality }, topic = asset.
   * Batches without a group id, and all batches of an adopted input, are matched by asset. Returns the unsubscribe function.
   */
  emitGroup(user: RedNode, groupId: string, asset: string): () => void {
    if (this.failure) return () => {};
    return this.input.onSamples((batch: SampleBatch) => {
      if (batch.group !== undefined && !this.adopted ? batch.group !== groupId : batch.asset !== asset) return;
      user.send({
        topic: batch.asset,
        device: batch.device,
        payload: { asset: batch.asset, ts: batch.ts, values: batch.values, quality: batch.quality },
      });
      this.#show(user, batchDot(batch.quality));
    });
  }

  /** Sets a status only when it changed, so a status node (the flow's status view) sees changes, not every poll. */
  #show(user: RedNode, dot: NodeStatus): void {
    const key = `${dot.fill}/${dot.shape}/${dot.text}`;
    if (this.#shown.get(user) === key) return;
    this.#shown.set(user, key);
    user.status(dot);
  }

  async close(): Promise<void> {
    for (const release of this.#release.splice(0)) release();
    this.#users.clear();
    if (this.#started) {
      await this.input.stop().catch((err: Error) => this.#owner.warn(`device "${this.input.id}" did not stop cleanly: ${err.message}`));
    }
  }
}

/** Device ids come from the config node's name (shown in /healthz); fall back to the node id. */
export function deviceIdOf(def: { id: string; name?: string }): string {
  const name = def.name?.trim();
  return name && /^[A-Za-z0-9_.-]+$/.test(name) ? name : def.id.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/**
 * The whole life of a connection config node's input: build it (reporting a bad config on the node, named by
 * kind and name) and close it with the node. Returns the SharedInput, or undefined when the config is bad.
 */
export function ownSharedInput<T extends Input>(
  RED: NodeAPI, node: RedNode, def: NodeDef, protocols: readonly DeviceStatus['protocol'][], create: (id: string) => T,
): SharedInput<T> | undefined {
  let shared: SharedInput<T> | undefined;
  try {
    const id = deviceIdOf(def);
    shared = new SharedInput(RED, node, id, protocols, () => create(id));
  } catch (err) {
    const label = `${def.type} "${def.name || def.id}"`;
    const message = (err as Error).message;
    node.error(message.startsWith(label) ? message : `${label}: ${message}`);
  }
  node.on('close', (_removed, done) => {
    (shared ? shared.close() : Promise.resolve()).finally(done);
    shared = undefined;
  });
  return shared;
}
