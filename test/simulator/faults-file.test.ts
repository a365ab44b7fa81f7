import { describe, expect, it } from 'vitest';
import { loadFaultSchedule, parseFaultSchedule } from '../../gateway/simulator/faults-file.ts';

describe('parseFaultSchedule', () => {
  it('reads a faults: list and a bare list', () => {
    const text = 'faults:\n  - { asset: pump-2, kind: bearing-wear, atS: 60, durationS: 600, severity: 0.8 }\n  - { asset: pump-1, kind: valve-closing, atS: 300, rampS: 30 }\n';
    expect(parseFaultSchedule(text, 'f.yaml')).toEqual([
      { asset: 'pump-2', kind: 'bearing-wear', atS: 60, durationS: 600, severity: 0.8 },
      { asset: 'pump-1', kind: 'valve-closing', atS: 300, rampS: 30 },
    ]);
    expect(parseFaultSchedule('- { asset: pump-3, kind: imbalance, atS: 0 }', 'f.yaml')).toHaveLength(1);
  });

  it.each([
    ['faults:\n  - { asset: pump-1, kind: rust, atS: 1 }', 'f.yaml: faults[0].kind: expected one of bearing-wear, cavitation, valve-closing, imbalance'],
    ['faults:\n  - { asset: pump-1, kind: imbalance }', "f.yaml: faults[0]: must have required property 'atS'"],
    ['faults:\n  - { asset: pump-1, kind: imbalance, atS: 1, severity: 3 }', 'f.yaml: faults[0].severity: must be <= 1'],
    ['faults:\n  - { asset: pump-1, kind: imbalance, atS: 1, when: now }', 'f.yaml: faults[0]: unknown field "when"'],
    ['faults: [ {', 'f.yaml: '],
  ])('rejects %j with a precise error', (text, message) => {
    expect(() => parseFaultSchedule(text, 'f.yaml')).toThrow(message);
  });

  it('names a missing file', () => {
    expect(() => loadFaultSchedule('/nonexistent/faults.yaml')).toThrow('/nonexistent/faults.yaml: cannot read the fault schedule (ENOENT)');
  });
});

describe('faults.sample.yaml', () => {
  it('is a valid schedule for the default pump station', async () => {
    const { PumpStation } = await import('../../gateway/simulator/plant/pump-station.ts');
    const file = new URL('../../gateway/simulator/faults.sample.yaml', import.meta.url).pathname;
    const faults = loadFaultSchedule(file);
    expect(faults.map((f) => f.kind)).toEqual(['bearing-wear', 'valve-closing', 'cavitation', 'imbalance']);
    const plant = new PumpStation({ faults, startMs: 0 });
    for (let i = 0; i < 310; i++) plant.step(1);
    expect(plant.groundTruth().filter((g) => g.active).map((g) => `${g.asset}:${g.kind}`)).toEqual(['pump-1:valve-closing', 'pump-2:bearing-wear']);
  });
});
