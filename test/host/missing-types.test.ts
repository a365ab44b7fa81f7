import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNodeRed, type NodeRedHost } from '../../gateway/host/nodered.ts';
import { DeviceRegistry } from '../../gateway/runtime/registry.ts';

describe('startNodeRed with a flow that uses uninstalled node types', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-missing-'));
  let host: NodeRedHost | undefined;
  afterAll(async () => {
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('still starts and serves the editor, so the user can fix the flow', async () => {
    host = await startNodeRed({
      dataDir, port: 0, registry: new DeviceRegistry(), logLevel: 'fatal',
      seedFlow: () => [{ id: 't', type: 'tab', label: 'x' }, { id: 'n', type: 'no-such-node', z: 't', x: 100, y: 100, wires: [] }],
    });
    expect((await fetch(host.url)).status).toBe(200);
  });
});
