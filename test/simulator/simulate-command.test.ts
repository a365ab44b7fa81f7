import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { validateConfig } from '../../gateway/config/validate.ts';
import { freePort } from '../support/ports.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';
import { closeClient, connectClient } from './wire.ts';

const MAIN = fileURLToPath(new URL('../../gateway/cli/main.ts', import.meta.url));
// The CLI from source (Node 24 strips the types), so the test needs no build.
const ENTRY = `const { main } = await import(${JSON.stringify(MAIN)}); await main(['node', 'telltale', ...process.argv.slice(1)]);`;

function telltale(args: string[]): Spawned {
  return spawnPeer(process.execPath, ['--input-type=module', '-e', ENTRY, ...args]);
}

async function exitOf(p: Spawned): Promise<number | null> {
  if (p.child.exitCode !== null) return p.child.exitCode;
  return new Promise((resolve) => p.child.once('exit', (code) => resolve(code)));
}

describe('telltale simulate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-simulate-'));
  const started: Spawned[] = [];
  afterAll(async () => {
    for (const p of started) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the pump station, runs a fault schedule, shows its ground truth on the wire and stops on SIGTERM', async () => {
    const faults = join(dir, 'faults.yaml');
    writeFileSync(faults, 'faults:\n  - { asset: pump-2, kind: cavitation, atS: 0.5, rampS: 1 }\n');
    const port = await freePort();
    const p = telltale(['simulate', '--no-opcua', '--modbus-port', String(port), '--rate', '20', '--faults', faults, '--seed', '3']);
    started.push(p);
    await waitFor(() => p.output().includes('Ctrl-C stops.'), 30_000, 'the simulator banner');
    expect(p.output()).toContain(`Modbus TCP  127.0.0.1:${port} unit 1`);
    expect(p.output()).toContain('pump-2       holding 100..120 (fault_code 120)  input 100..109  discrete 100..101');
    const client = await connectClient(port);
    // pump-2's block: holding 100.., discrete 100.. (see the banner).
    await waitFor(async () => (await client.readDiscreteInputs(100, 1)).data[0], 10_000, 'fault_active of pump-2');
    expect((await client.readHoldingRegisters(120, 1)).data[0]).toBe(2);
    expect((await client.readDiscreteInputs(0, 1)).data[0]).toBe(false);
    await closeClient(client);
    await waitFor(() => p.output().includes('fault ON  pump-2: cavitation (fault_code 2) since'), 10_000, 'the fault line');
    p.child.kill('SIGTERM');
    expect(await exitOf(p)).toBe(0);
    expect(p.output()).toMatch(/SIGTERM: stopping the simulator \(\d+ ticks, \d+ Modbus requests served\)/);
  });

  it('prints a gateway config that the loader accepts', async () => {
    const p = telltale(['simulate', '--print-config', '--assets', '2', '--modbus-port', '5999', '--with-ground-truth']);
    started.push(p);
    expect(await exitOf(p)).toBe(0);
    const config = validateConfig(parse(p.output()), { source: 'print-config' });
    const device = config.devices[0];
    expect(device).toMatchObject({ protocol: 'modbus-tcp', port: 5999 });
    expect(device.tags).toHaveLength(2 * 13);
  });

  it.each([
    [['--faults', '/nonexistent/f.yaml'], '/nonexistent/f.yaml: cannot read the fault schedule (ENOENT)', 2],
    [['--replay', '/nonexistent/dir'], 'replay: /nonexistent/dir not found', 2],
    [['--rate', '0'], '--rate: expected a number > 0, got "0"', 1],
    [['--order', 'XYZW'], '--order: expected one of ABCD, CDAB, BADC, DCBA, got "XYZW"', 1],
  ])('rejects %j with a precise message', async (args, message, code) => {
    const p = telltale(['simulate', '--print-config', ...args]);
    started.push(p);
    expect(await exitOf(p)).toBe(code);
    expect(p.output()).toContain(message);
  });
});
