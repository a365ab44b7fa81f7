import { describe, expect, it } from 'vitest';
import { RegisterBank } from '../../gateway/simulator/modbus-server/index.ts';
import { PumpStation } from '../../gateway/simulator/plant/pump-station.ts';
import { SyntheticPlant } from '../../gateway/simulator/plant/synthetic.ts';
import { RegisterMap } from '../../gateway/simulator/register-map.ts';

describe('RegisterMap', () => {
  it('starts pump blocks at multiples of 100, floats then fault_code in holding, int16 in input, bits in discrete', () => {
    const map = new RegisterMap(new PumpStation({ startMs: 0 }));
    expect(map.blocks.map((b) => [b.holding, b.input, b.discrete])).toEqual([[0, 0, 0], [100, 100, 100], [200, 200, 200]]);
    expect(map.faultCodeOffset).toBe(20);
    expect(map.address('pump-2', 'flow')).toEqual({ holding: 114, input: 107 });
    expect(() => map.address('pump-2', 'running')).toThrow('"running" is not an analog signal of the plant');
  });

  it('packs blocks tighter when round ones do not fit one unit, and refuses a plant that cannot fit', () => {
    const map = new RegisterMap(new SyntheticPlant({ assets: 1000, tagsPerAsset: 20, startMs: 0 }));
    expect(map.blocks[1].holding).toBe(50); // 41 registers → next multiple of 10
    expect(() => new RegisterMap(new SyntheticPlant({ assets: 1000, tagsPerAsset: 40, startMs: 0 }))).toThrow(
      '1000 assets × 81 holding registers = 81000 do not fit the 65536 addresses of one Modbus unit',
    );
  });

  it('writes what the plant holds, in the order asked', () => {
    const plant = new PumpStation({ startMs: 0 });
    plant.injectFault('pump-3', 'imbalance');
    const map = new RegisterMap(plant, 'DCBA');
    const bank = new RegisterBank();
    map.write(bank);
    const { holding } = map.address('pump-3', 'speed');
    expect(bank.read('holding', holding, 'float32', 'DCBA')).toBe(Math.fround(plant.values[2 * 11 + 5]));
    expect(bank.read('holding', 200 + map.faultCodeOffset, 'uint16', 'DCBA')).toBe(4);
    expect(bank.discrete[200]).toBe(1);
    expect(bank.discrete[201]).toBe(1); // running
    expect(bank.discrete[0]).toBe(0);
  });
});
