import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModbusDevice, type ModbusDeviceConfig } from '../../gateway/acquisition/modbus/index.ts';
import type { SampleBatch } from '../../gateway/core/sample.ts';
import { validateConfig } from '../../gateway/config/validate.ts';
import { plantValue, startSimulator, type Simulator } from '../../gateway/simulator/index.ts';
import { waitFor } from '../support/process.ts';

/** Polls the simulator once through the gateway's own ModbusDevice, configured only from gatewayConfig(). */
async function readThroughGateway(sim: Simulator, opts: Parameters<Simulator['gatewayConfig']>[0]): Promise<Map<string, SampleBatch>> {
  const config = validateConfig(sim.gatewayConfig({ ...opts, pollIntervalMs: 50 }));
  const device = new ModbusDevice(config.devices[0] as ModbusDeviceConfig);
  const latest = new Map<string, SampleBatch>();
  device.onSamples((b) => latest.set(b.asset, b));
  await device.start();
  try {
    await waitFor(() => latest.size === sim.plant.assets.length, 10_000, 'a batch from every asset');
  } finally {
    await device.stop();
  }
  return latest;
}

describe('the generated gateway config, read by ModbusDevice', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ run: false, seed: 9, order: 'BADC' });
    sim.step(30);
    sim.injectFault('pump-3', 'imbalance');
  });
  afterAll(async () => {
    await sim.close();
  });

  it('yields every signal of every pump with good quality and the plant\'s values (float32), plus the ground truth', async () => {
    const batches = await readThroughGateway(sim, { groundTruth: true });
    for (const asset of sim.plant.assets) {
      const b = batches.get(asset)!;
      for (const s of sim.plant.signals) {
        expect(b.quality[s.name], `${asset}.${s.name}`).toMatchObject({ status: 'good' });
        const want = plantValue(sim.plant, asset, s.name);
        expect(b.values[s.name], `${asset}.${s.name}`).toBe(s.kind === 'bool' ? want !== 0 : Math.fround(want));
      }
      expect(b.values.fault_active).toBe(asset === 'pump-3');
      expect(b.values.fault_code).toBe(asset === 'pump-3' ? 4 : 0);
    }
  });

  it('yields the scaled int16 copies within half a step of the plant\'s values', async () => {
    const batches = await readThroughGateway(sim, { table: 'input' });
    for (const asset of sim.plant.assets) {
      for (const s of sim.plant.signals.filter((x) => x.kind === 'analog')) {
        const got = batches.get(asset)!.values[s.name] as number;
        expect(Math.abs(got - plantValue(sim.plant, asset, s.name)), `${asset}.${s.name}`).toBeLessThanOrEqual(s.int16Scale / 2 + 1e-6);
      }
    }
  });
});
