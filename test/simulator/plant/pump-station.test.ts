import { describe, expect, it } from 'vitest';
import { PumpStation } from '../../../gateway/simulator/plant/pump-station.ts';
import { plantValue, type FaultKind } from '../../../gateway/simulator/plant/types.ts';

/** Mean of one signal over `seconds` of 10 Hz ticks, after `settleS` seconds to let lags and ramps finish. */
function run(kind: FaultKind | undefined, signals: string[], settleS = 900, seconds = 60): Record<string, number> {
  const plant = new PumpStation({ seed: 7, startMs: 0 });
  if (kind) plant.injectFault('pump-2', kind, { rampS: 30 });
  for (let i = 0; i < settleS * 10; i++) plant.step(0.1);
  const sums: Record<string, number> = Object.fromEntries(signals.map((s) => [s, 0]));
  const n = seconds * 10;
  for (let i = 0; i < n; i++) {
    plant.step(0.1);
    for (const s of signals) sums[s] += plantValue(plant, 'pump-2', s) / n;
  }
  return sums;
}

const ALL = ['vibration_de', 'vibration_nde', 'vibration_1x', 'motor_current', 'voltage', 'speed', 'discharge_pressure', 'flow', 'winding_temperature', 'fluid_temperature'];

describe('PumpStation', () => {
  const healthy = run(undefined, ALL);

  it('runs a healthy pump near its design point', () => {
    expect(healthy.flow).toBeGreaterThan(1350);
    expect(healthy.flow).toBeLessThan(1650);
    expect(healthy.discharge_pressure).toBeGreaterThan(3);
    expect(healthy.discharge_pressure).toBeLessThan(5);
    expect(healthy.motor_current).toBeGreaterThan(15);
    expect(healthy.motor_current).toBeLessThan(25);
    expect(healthy.speed).toBeGreaterThan(2850);
    expect(healthy.speed).toBeLessThan(3000);
    expect(healthy.vibration_de).toBeLessThan(2.8); // ISO 10816 zone A/B for a small pump
    expect(healthy.winding_temperature).toBeGreaterThan(40);
    expect(healthy.winding_temperature).toBeLessThan(120);
  });

  it('lowers flow and current and raises pressure as a valve closes', () => {
    const f = run('valve-closing', ALL);
    expect(f.flow).toBeLessThan(healthy.flow * 0.5);
    expect(f.motor_current).toBeLessThan(healthy.motor_current * 0.85);
    expect(f.discharge_pressure).toBeGreaterThan(healthy.discharge_pressure + 0.5);
  });

  it('raises vibration and winding temperature as a bearing wears', () => {
    const f = run('bearing-wear', ALL);
    expect(f.vibration_de).toBeGreaterThan(healthy.vibration_de * 2);
    expect(f.vibration_nde).toBeGreaterThan(healthy.vibration_nde * 1.2);
    expect(f.winding_temperature).toBeGreaterThan(healthy.winding_temperature + 10);
    // Bearing wear is broadband: the 1× line stays where it was.
    expect(Math.abs(f.vibration_1x - healthy.vibration_1x)).toBeLessThan(0.2);
  });

  it('lowers and unsettles pressure, lowers flow and raises broadband vibration under cavitation', () => {
    const f = run('cavitation', ALL);
    expect(f.discharge_pressure).toBeLessThan(healthy.discharge_pressure - 0.5);
    expect(f.flow).toBeLessThan(healthy.flow * 0.95);
    expect(f.vibration_de).toBeGreaterThan(healthy.vibration_de * 1.5);
    const spread = (kind: FaultKind | undefined): number => {
      const plant = new PumpStation({ seed: 7, startMs: 0 });
      if (kind) plant.injectFault('pump-2', kind, { rampS: 0 });
      const xs: number[] = [];
      for (let i = 0; i < 600; i++) { plant.step(0.1); xs.push(plantValue(plant, 'pump-2', 'discharge_pressure')); }
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      return Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    };
    expect(spread('cavitation')).toBeGreaterThan(spread(undefined) * 3);
  });

  it('raises vibration mostly at 1× under imbalance', () => {
    const f = run('imbalance', ALL);
    expect(f.vibration_1x).toBeGreaterThan(healthy.vibration_1x + 3);
    expect(f.vibration_de).toBeGreaterThan(healthy.vibration_de * 2);
    expect(f.vibration_1x / f.vibration_de).toBeGreaterThan(0.8);
    expect(Math.abs(f.flow - healthy.flow)).toBeLessThan(20);
  });

  it('leaves the other pumps healthy while one has a fault', () => {
    const plant = new PumpStation({ seed: 7, startMs: 0 });
    plant.injectFault('pump-2', 'valve-closing', { rampS: 0 });
    for (let i = 0; i < 100; i++) plant.step(0.1);
    expect(plantValue(plant, 'pump-1', 'flow')).toBeGreaterThan(1300);
    expect(plantValue(plant, 'pump-2', 'flow')).toBeLessThan(700);
  });

  it('produces the same signals for the same seed and different ones for another', () => {
    const trace = (seed: number): number[] => {
      const p = new PumpStation({ seed, startMs: 0 });
      for (let i = 0; i < 50; i++) p.step(0.1);
      return Array.from(p.values);
    };
    expect(trace(3)).toEqual(trace(3));
    expect(trace(3)).not.toEqual(trace(4));
  });

  it('ramps severity and reports onset and end of a scheduled fault as ground truth', () => {
    const plant = new PumpStation({ seed: 1, startMs: 1_000_000, faults: [{ asset: 'pump-3', kind: 'cavitation', atS: 10, durationS: 20, rampS: 10 }] });
    for (let i = 0; i < 95; i++) plant.step(0.1);
    expect(plant.groundTruth()[2]).toEqual({ asset: 'pump-3', active: false, code: 0, severity: 0 });
    for (let i = 0; i < 55; i++) plant.step(0.1); // t = 15 s: half-way up the ramp
    const gt = plant.groundTruth()[2];
    expect(gt).toMatchObject({ active: true, kind: 'cavitation', code: 2, onsetMs: 1_010_000 });
    expect(gt.severity).toBeCloseTo(0.5, 1);
    expect(plant.faultCode[2]).toBe(2);
    for (let i = 0; i < 160; i++) plant.step(0.1); // t = 31 s: over
    expect(plant.groundTruth()[2].active).toBe(false);
    expect(plant.faultCode[2]).toBe(0);
  });

  it('rejects a fault on an unknown asset or of an unknown kind, naming it', () => {
    const plant = new PumpStation({ seed: 1 });
    expect(() => plant.injectFault('pump-9', 'imbalance')).toThrow('unknown asset "pump-9" (the plant has pump-1, pump-2, pump-3)');
    expect(() => plant.injectFault('pump-1', 'rust' as FaultKind)).toThrow('kind: expected one of bearing-wear, cavitation, valve-closing, imbalance, got "rust"');
    expect(() => plant.injectFault('pump-1', 'imbalance', { severity: 2 })).toThrow('severity: expected 0..1, got 2');
    expect(() => new PumpStation({ faults: [{ asset: 'pump-7', kind: 'imbalance', atS: 1 }] })).toThrow('faults[0].asset: unknown asset "pump-7"');
  });

  it('stops a motor: speed, flow and current fall to zero and running goes false', () => {
    const plant = new PumpStation({ seed: 1, startMs: 0 });
    plant.setRunning('pump-1', false);
    for (let i = 0; i < 300; i++) plant.step(0.1);
    expect(plantValue(plant, 'pump-1', 'running')).toBe(0);
    expect(plantValue(plant, 'pump-1', 'speed')).toBeLessThan(5);
    expect(plantValue(plant, 'pump-1', 'flow')).toBeLessThan(5);
    expect(plantValue(plant, 'pump-1', 'motor_current')).toBeLessThan(1);
    expect(plantValue(plant, 'pump-2', 'running')).toBe(1);
  });
});
