/**
 * The plant simulator (`telltale simulate`, its own process) killed -9 twice and restarted on the same ports while
 * the gateway reads it over Modbus TCP (ModbusDevice) and OPC UA (OpcUaEndpoint): both lose the server, report it,
 * and return to good data from the restarted one; the loss shows as bad quality / disconnected, never a crash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModbusDevice } from '../../gateway/acquisition/modbus/device.ts';
import { OpcUaEndpoint } from '../../gateway/acquisition/opcua/endpoint.ts';
import type { ModbusTcpDevice } from '../../gateway/acquisition/modbus/config.ts';
import type { OpcUaDevice } from '../../gateway/acquisition/opcua/config.ts';
import type { SampleBatch } from '../../gateway/core/sample.ts';
import { startSimulator } from '../../gateway/simulator/index.ts';
import { freePort, waitForPort } from '../support/ports.ts';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';

const allGood = (b: SampleBatch) => Object.values(b.quality).length > 0 && Object.values(b.quality).every((q) => q.status === 'good');

describe('gateway inputs through simulator kill -9 and restarts', () => {
  let dir: string;
  let modbusPort: number;
  let opcuaPort: number;
  let sim: Spawned | undefined;
  let modbus: ModbusDevice;
  let opcua: OpcUaEndpoint;
  const got = { modbus: [] as SampleBatch[], opcua: [] as SampleBatch[] };

  const startSim = async () => {
    sim = spawnPeer(join(process.cwd(), 'node_modules/.bin/node'), [join(process.cwd(), 'test/faults/fixtures/cli.ts'), 'simulate',
      '--modbus-port', String(modbusPort), '--opcua-port', String(opcuaPort), '--rate', '20']);
    await Promise.all([waitForPort(modbusPort, '127.0.0.1', 60_000), waitForPort(opcuaPort, '127.0.0.1', 60_000)]);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telltale-faults-sim-'));
    [modbusPort, opcuaPort] = [await freePort(), await freePort()];
    // The device configs that read this simulator, from the simulator itself (same defaults as the CLI's).
    const probe = await startSimulator({ modbusPort, opcua: { port: opcuaPort, pkiDir: join(dir, 'probe-pki') } });
    const devices = probe.devices({ protocols: ['modbus', 'opcua'] });
    await probe.close();
    const mb = devices.find((d) => d.protocol === 'modbus-tcp') as ModbusTcpDevice;
    const ua = devices.find((d) => d.protocol === 'opcua') as OpcUaDevice;
    await startSim();
    modbus = new ModbusDevice({ ...mb, pollIntervalMs: 100, timeoutMs: 500, backoff: { initialMs: 100, maxMs: 1000 } });
    opcua = new OpcUaEndpoint(ua, { pkiDir: join(dir, 'client-pki') });
    modbus.onSamples((b) => got.modbus.push(b));
    opcua.onSamples((b) => got.opcua.push(b));
    await Promise.all([modbus.start(), opcua.start()]);
  });
  afterAll(async () => {
    await Promise.all([modbus?.stop(), opcua?.stop()]);
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('returns to good data over Modbus and OPC UA after each of two kill -9 restarts', async () => {
    await waitFor(() => got.modbus.some(allGood) && got.opcua.some(allGood), 60_000, 'good data from both before the first kill');
    for (let round = 1; round <= 2; round++) {
      await sim!.kill9();
      await waitFor(() => !modbus.status().connected && !opcua.status().connected, 30_000, `both to notice the loss (round ${round})`);
      const from = { modbus: got.modbus.length, opcua: got.opcua.length };
      await startSim();
      await waitFor(() => got.modbus.slice(from.modbus).some(allGood), 60_000, `good Modbus data after restart ${round}`);
      await waitFor(() => got.opcua.slice(from.opcua).some(allGood), 90_000, `good OPC UA data after restart ${round}`);
    }
    expect(modbus.status()).toMatchObject({ connected: true });
    expect(modbus.status().reconnects).toBeGreaterThanOrEqual(2);
    expect(opcua.status().connected).toBe(true);
    expect(got.modbus.some((b) => Object.values(b.quality).some((q) => q.status === 'bad'))).toBe(true);
  });
});
