import { describe, expect, it } from 'vitest';
import { runConsoleCommand } from '../../gateway/simulator/console.ts';
import { PumpStation } from '../../gateway/simulator/plant/pump-station.ts';

describe('runConsoleCommand', () => {
  const plant = new PumpStation({ startMs: 0 });
  const sim = { plant, injectFault: plant.injectFault.bind(plant), clearFault: plant.clearFault.bind(plant), groundTruth: () => plant.groundTruth() };

  it('injects, reports and clears a fault', () => {
    expect(runConsoleCommand(sim, 'fault pump-2 cavitation 0.5 10')).toBe('pump-2: cavitation (fault_code 2) since 1970-01-01T00:00:00.000Z, severity 0.00');
    plant.step(10);
    expect(runConsoleCommand(sim, 'status').split('\n')).toEqual([
      'pump-1: healthy', 'pump-2: cavitation (fault_code 2) since 1970-01-01T00:00:00.000Z, severity 0.50', 'pump-3: healthy',
    ]);
    expect(runConsoleCommand(sim, 'clear pump-2')).toBe('cleared pump-2');
    expect(plant.groundTruth()[1].active).toBe(false);
  });

  it.each([
    ['fault pump-9 imbalance', 'fault: asset: unknown asset "pump-9" (the plant has pump-1, pump-2, pump-3)'],
    ['fault pump-1 rust', 'fault: fault on pump-1.kind: expected one of bearing-wear, cavitation, valve-closing, imbalance, got "rust"'],
    ['fault pump-1 imbalance lots', 'fault: severity must be a number, got "lots"'],
    ['fault pump-1 imbalance 1.5', 'fault: fault on pump-1.severity: expected 0..1, got 1.5'],
    ['clear', 'usage: clear <asset>'],
    ['explode', 'unknown command "explode"'],
  ])('answers %j precisely and changes nothing', (line, answer) => {
    expect(runConsoleCommand(sim, line)).toContain(answer);
    expect(plant.groundTruth().every((g) => !g.active)).toBe(true);
  });
});
