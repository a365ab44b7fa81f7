/** node-red-node-test-helper, started on the project's node-red, with the Telltale settings our nodes read. */
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceRegistry } from '../../gateway/runtime/registry.ts';

const require = createRequire(import.meta.url);

export interface HelperNode {
  id: string;
  on(event: string, listener: (...args: any[]) => void): void;
  status: { getCalls?: () => unknown[] } & ((...args: unknown[]) => void);
}

interface Helper {
  init(runtimePath: string, settings?: object): void;
  settings(settings: object): void;
  load(nodes: unknown[], flow: object[], credentials?: object): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): any;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  log(): { args: [{ level: number; msg: unknown; id?: string; type?: string }][] };
}

// Loaded through require: the helper is CommonJS and ships no types.
export const helper = require('node-red-node-test-helper') as Helper;

/** Initialises the helper with a fresh registry and PKI dir; returns them for assertions. */
export function initHelper(): { registry: DeviceRegistry; pkiDir: string } {
  const registry = new DeviceRegistry();
  const pkiDir = mkdtempSync(join(tmpdir(), 'telltale-nodes-pki-'));
  helper.init(require.resolve('node-red'), { telltale: { registry, pkiDir } });
  return { registry, pkiDir };
}

/** Error lines the runtime logged for one node (level 20 = error). */
export function errorsOf(id: string): string[] {
  return helper.log().args.filter(([e]) => e.level === 20 && e.id === id).map(([e]) => String(e.msg));
}

export type Msg = { topic?: string; device?: string; payload: { asset: string; ts: number; values: Record<string, unknown>; quality: Record<string, { status: string; reason?: string; code?: string }> } };

/** Resolves with the first message of node `id` that satisfies `accept`. */
export function nextMessage(node: HelperNode, accept: (m: Msg) => boolean = () => true): Promise<Msg> {
  return new Promise((resolve) => {
    node.on('input', (m: Msg) => {
      if (accept(m)) resolve(m);
    });
  });
}
