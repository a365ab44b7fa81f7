/** Site and gateway names and the queue directory, shared by the store-and-forward nodes. */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { NodeAPI, NodeDef } from '../shared/red.ts';

const NAME = /^[A-Za-z0-9_.-]+$/;

/** Node fields win, then the host's settings (RED.settings.telltale.site/gateway), then the environment. */
export function identityOf(RED: NodeAPI, def: NodeDef): { site: string; gateway: string } {
  const host = (RED.settings.telltale ?? {}) as { site?: unknown; gateway?: unknown };
  const pick = (field: 'site' | 'gateway', env: string | undefined, fallback: string) => {
    const v = [def[field], host[field], env].find((x) => typeof x === 'string' && x !== '') as string | undefined;
    const value = v ?? fallback;
    if (!NAME.test(value)) throw new Error(`${def.type} "${def.name || def.id}": ${field} must match ${NAME}, got "${value}"`);
    return value;
  };
  return { site: pick('site', process.env.TELLTALE_SITE, 'site'), gateway: pick('gateway', process.env.TELLTALE_GATEWAY, 'telltale-1') };
}

/** Disk queues live under the Node-RED user dir (the gateway's data dir), so they survive restarts. */
export function queueDir(RED: NodeAPI): string {
  const userDir = typeof RED.settings.userDir === 'string' ? RED.settings.userDir : tmpdir();
  return join(userDir, 'queues');
}
