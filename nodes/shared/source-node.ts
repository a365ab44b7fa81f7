/**
 * The body both source nodes share (modbus-read, opcua-subscribe): find the connection config node, validate the
 * group, add it to the core input, forward its batches as messages, and undo all of it on close.
 */
import type { Input } from '../../gateway/core/pipeline.ts';
import type { NodeAPI, NodeDef, RedNode } from './red.ts';
import type { SharedInput } from './shared-input.ts';
import { MISSING_CONFIG } from './status.ts';

export interface SourceSpec<T extends Input, G extends { id: string; asset: string }> {
  /** The node's type, for messages: "modbus-read". */
  kind: string;
  /** Property of the node def that holds the config node id ("device", "endpoint"), and the config node's type. */
  configProperty: string;
  configType: string;
  /** Builds and validates the group; throws an error naming the node and field. */
  group(def: NodeDef, inputId: string): G;
  /** Adds the group to the core input; returns the function that removes it. */
  add(input: T, group: G): () => void;
}

export function runSourceNode<T extends Input, G extends { id: string; asset: string }>(
  RED: NodeAPI, node: RedNode, def: NodeDef, spec: SourceSpec<T, G>,
): void {
  const label = `${spec.kind} "${def.name || def.id}"`;
  const releases: (() => void)[] = [];
  node.on('close', (_removed, done) => {
    for (const release of releases.splice(0).reverse()) release();
    done();
  });

  const shared = (RED.nodes.getNode(String(def[spec.configProperty])) as { shared?: SharedInput<T> } | null)?.shared;
  if (!shared || shared.failure) {
    node.status(MISSING_CONFIG);
    node.error(`${label}: no working ${spec.configType} is selected`);
    return;
  }
  let group: G;
  try {
    group = spec.group(def, shared.input.id);
  } catch (err) {
    node.status({ fill: 'red', shape: 'ring', text: 'invalid config' });
    node.error((err as Error).message);
    return;
  }
  shared.attach(node);
  releases.push(() => shared.detach(node));
  releases.push(shared.emitGroup(node, group.id, group.asset));
  if (shared.adopted) return; // the gateway's own device already polls every tag of its config
  try {
    releases.push(spec.add(shared.input, group));
    shared.ensureStarted();
  } catch (err) {
    node.status({ fill: 'red', shape: 'ring', text: `rejected by ${spec.configType}` });
    node.error(`${label}: ${(err as Error).message}`);
  }
}
