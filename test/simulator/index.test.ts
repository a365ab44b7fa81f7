import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { decodeRaw } from '../../gateway/acquisition/modbus/codec.ts';
import type { ModbusClient } from '../../gateway/acquisition/modbus/client.ts';
import { GatewayConfig } from '../../gateway/config/schema.ts';
import { validateConfig } from '../../gateway/config/validate.ts';
import { plannedGatewayConfig, plantValue, startSimulator, type Simulator } from '../../gateway/simulator/index.ts';
import { closeClient, connectClient, readFloats } from './wire.ts';

describe('startSimulator (pump station)', () => {
  let sim: Simulator;
  let client: ModbusClient;

  beforeAll(async () => {
    sim = await startSimulator({ run: false, seed: 5 });
    client = await connectClient(sim.modbusPort);
  });
  afterAll(async () => {
    await closeClient(client);
    await sim.close();
  });

  const faultOnWire = async (asset: string): Promise<{ active: boolean; code: number }> => {
    const b = sim.map.block(asset);
    const bits = await client.readDiscreteInputs(b.discrete, 1);
    const regs = await client.readHoldingRegisters(b.holding + sim.map.faultCodeOffset, 1);
    return { active: bits.data[0], code: regs.data[0] };
  };

  it('shows an injected fault and its clearing on the wire (fault_active, fault_code) and in groundTruth()', async () => {
    expect(await faultOnWire('pump-2')).toEqual({ active: false, code: 0 });
    sim.injectFault('pump-2', 'bearing-wear', { rampS: 5 });
    expect(await faultOnWire('pump-2')).toEqual({ active: true, code: 1 });
    expect(await faultOnWire('pump-1')).toEqual({ active: false, code: 0 });
    const gt = sim.groundTruth().find((g) => g.asset === 'pump-2');
    expect(gt).toMatchObject({ active: true, kind: 'bearing-wear', code: 1, onsetMs: sim.plant.nowMs() });
    sim.clearFault('pump-2');
    expect(await faultOnWire('pump-2')).toEqual({ active: false, code: 0 });
  });

  it('serves every analog signal as float32 in holding and as scaled int16 in input registers', async () => {
    sim.step(20);
    for (const asset of sim.plant.assets) {
      const b = sim.map.block(asset);
      const floats = await readFloats(client, b.holding, sim.map.analog.length);
      const ints = (await client.readInputRegisters(b.input, sim.map.analog.length)).data;
      sim.map.analog.forEach((i, k) => {
        const s = sim.plant.signals[i];
        const want = plantValue(sim.plant, asset, s.name);
        expect(floats[k], `${asset}.${s.name}`).toBe(Math.fround(want));
        const raw = decodeRaw(ints, k, 'int16', 'ABCD') as number;
        expect(Math.abs(raw * s.int16Scale - want), `${asset}.${s.name} int16`).toBeLessThanOrEqual(s.int16Scale / 2 + 1e-9);
      });
      const running = await client.readDiscreteInputs(b.discrete + 1, 1);
      expect(running.data[0]).toBe(true);
    }
  });

  it('generates a gateway config that validates against GatewayConfig (loader ajv and TypeBox) and matches the map', () => {
    for (const opts of [{}, { groundTruth: true }, { table: 'input' as const }]) {
      const config = sim.gatewayConfig(opts);
      expect(Value.Errors(GatewayConfig, config).First()).toBeUndefined();
      const validated = validateConfig(config, { source: 'simulator' });
      expect(validated.devices).toHaveLength(1);
    }
    const device = sim.gatewayConfig({ groundTruth: true }).devices[0];
    expect(device).toMatchObject({ protocol: 'modbus-tcp', host: '127.0.0.1', port: sim.modbusPort, unitId: 1 });
    // 10 analog + running per pump, + fault_active + fault_code.
    expect(device.tags).toHaveLength(3 * 13);
    const flow = device.tags.find((t) => t.asset === 'pump-3' && t.name === 'flow');
    expect(flow).toMatchObject({ table: 'holding', type: 'float32', address: sim.map.address('pump-3', 'flow').holding, unit: 'l/min' });
  });

  it('refuses an OPC UA device in the config when it serves no OPC UA', () => {
    expect(() => sim.gatewayConfig({ protocols: ['opcua'] })).toThrow('OPC UA requested but the simulator serves no OPC UA endpoint');
  });

  it('answers a request for another unit id with exception 0x0B', async () => {
    const other = await connectClient(sim.modbusPort, 9);
    await expect(other.readHoldingRegisters(0, 2)).rejects.toMatchObject({ modbusCode: 11 });
    await closeClient(other);
  });
});

describe('startSimulator (scale mode)', () => {
  const N = 20;
  const M = 60;
  let sim: Simulator;
  let client: ModbusClient;

  beforeAll(async () => {
    sim = await startSimulator({ run: false, assets: N, tagsPerAsset: M, seed: 2, order: 'CDAB' });
    client = await connectClient(sim.modbusPort);
  });
  afterAll(async () => {
    await closeClient(client);
    await sim.close();
  });

  it('serves N assets × M float32 tags, each at the address its generated tag names', async () => {
    sim.step(3);
    const device = sim.gatewayConfig().devices[0];
    if (device.protocol !== 'modbus-tcp') throw new Error(`expected a modbus-tcp device, got ${device.protocol}`);
    expect(device.tags).toHaveLength(N * M);
    expect(device.order).toBe('CDAB');
    let checked = 0;
    for (const asset of sim.plant.assets) {
      const tags = device.tags.filter((t) => t.asset === asset);
      const first = tags[0].address;
      const floats = await readFloats(client, first, M, 'CDAB');
      tags.forEach((t, k) => {
        expect(t.address).toBe(first + 2 * k);
        expect(floats[k]).toBe(Math.fround(plantValue(sim.plant, asset, t.name)));
        checked++;
      });
    }
    expect(checked).toBe(N * M);
  });

  it('changes the values from tick to tick', async () => {
    const before = await readFloats(client, 0, M, 'CDAB');
    sim.step(1);
    const after = await readFloats(client, 0, M, 'CDAB');
    expect(after.filter((x, k) => x !== before[k]).length).toBe(M);
  });
});

describe('startSimulator (running)', () => {
  it('ticks on its own at the rate and starts scheduled faults', async () => {
    const sim = await startSimulator({ rate: 50, faults: [{ asset: 'pump-1', kind: 'imbalance', atS: 0.2 }] });
    try {
      const client = await connectClient(sim.modbusPort);
      const deadline = Date.now() + 10_000;
      let active = false;
      while (!active && Date.now() < deadline) {
        active = (await client.readDiscreteInputs(0, 1)).data[0];
        if (!active) await new Promise((r) => setTimeout(r, 50));
      }
      await closeClient(client);
      expect(active).toBe(true);
      expect(sim.stats().ticks).toBeGreaterThanOrEqual(10);
    } finally {
      await sim.close();
    }
  });
});

describe('plannedGatewayConfig', () => {
  it('gives the config of a simulator not started yet, dialling loopback for a wildcard listen address', () => {
    const config = plannedGatewayConfig({ host: '0.0.0.0', modbusPort: 5020, assets: 2, order: 'DCBA' });
    expect(config.devices[0]).toMatchObject({ protocol: 'modbus-tcp', host: '127.0.0.1', port: 5020, order: 'DCBA' });
    expect(config.devices[0].tags).toHaveLength(2 * 11);
    expect(validateConfig(config).devices).toHaveLength(1);
  });
});
