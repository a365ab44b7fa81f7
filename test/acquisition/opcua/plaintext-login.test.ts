/**
 * A user name and password over securityMode None: the endpoint says so once at start (device and user named,
 * never the password), and what it keeps as lastError never carries an endpoint's user-info.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OpcUaEndpoint } from '../../../gateway/acquisition/opcua/endpoint.ts';
import { plaintextLoginWarning } from '../../../gateway/acquisition/opcua/config.ts';
import { validateDevice } from '../../../gateway/config/load.ts';
import { freePort } from '../../support/ports.ts';
import { waitFor } from '../../support/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'telltale-opcua-plain-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const device = (over: Record<string, unknown>) => validateDevice({ protocol: 'opcua', id: 'plc-7', endpoint: 'opc.tcp://127.0.0.1:4840', tags: [{ name: 't', nodeId: 'ns=1;s=t' }], ...over }, { source: 'test', at: 'device' });

describe('OPC UA password over securityMode None', () => {
  it('is a warning only for a login over None', () => {
    expect(plaintextLoginWarning(device({ username: 'op', password: 'pw-1234' }) as never)).toMatch(/^OPC UA device plc-7: user "op" logs in with a password over securityMode None/);
    expect(plaintextLoginWarning(device({}) as never)).toBeUndefined();
    expect(plaintextLoginWarning(device({ username: 'op', password: 'pw-1234', securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256' }) as never)).toBeUndefined();
  });

  it('is said once at start, without the password; lastError has no user-info of the endpoint', async () => {
    const port = await freePort(); // nothing listens
    const lines: string[] = [];
    const ep = new OpcUaEndpoint(device({
      endpoint: `opc.tcp://opuser:url-secret-9876@127.0.0.1:${port}/UA`, username: 'op', password: 'login-secret-5432', backoff: { initialMs: 50, maxMs: 100 },
    }) as never, { pkiDir: join(dir, 'pki'), warn: (l) => lines.push(l) });
    try {
      await ep.start();
      await waitFor(() => ep.status().lastError, 20_000, 'a connection error');
      expect(lines).toEqual([expect.stringMatching(/^telltale: warning: OPC UA device plc-7: user "op" logs in with a password over securityMode None/)]);
      expect(lines.join('\n')).not.toMatch(/login-secret|url-secret/);
      expect(ep.status().lastError).not.toMatch(/url-secret|opuser/);
      expect(ep.status().lastError).toContain('opc.tcp://***@127.0.0.1:');
    } finally {
      await ep.stop();
    }
  }, 30_000);
});
