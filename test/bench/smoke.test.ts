/** A smoke run of the bench (not a benchmark: no timing asserted): one small step, the report's shape, data flowed. */
import { describe, expect, it } from 'vitest';
import { formatTable, parseSteps, runBench } from '../../gateway/bench/index.ts';

describe('runBench', () => {
  it('runs a quick step through the real pipeline and reports values, InfluxDB points and bytes', async () => {
    const report = await runBench({ steps: parseSteps('200x10', 100), secondsPerStep: 3 });
    expect(report.steps).toHaveLength(1);
    const s = report.steps[0];
    expect(s).toMatchObject({ step: '200x10', tags: 200, rate: 10, assets: 2, targetValuesPerS: 2000 });
    expect(s.valuesPerS).toBeGreaterThan(0);
    expect(s.influxPointsPerS).toBeGreaterThan(0);
    expect(s.influxValuesPerS).toBeGreaterThan(s.influxPointsPerS); // a raw-sample point holds a field per tag
    expect(s.bytesInPerS).toBeGreaterThan(0);
    expect(s.faults).toBeGreaterThan(0);
    expect(['ok', 'behind', 'shedding']).toContain(s.status);
    for (const key of ['cpuPct', 'rssMaxMB', 'loopLagP99Ms', 'dataAgeP99Ms'] as const) expect(Number.isFinite(s[key])).toBe(true);
    expect(s.errors).toEqual([]);
    expect(formatTable(report)).toMatch(/^step\s+target\/s\s+values\/s/);
  }, 90_000);
});

describe('parseSteps', () => {
  it('reads TAGSxHZ lists and names a bad entry or one that does not fit a Modbus unit', () => {
    expect(parseSteps('1000x10,50x2', 100)).toEqual([{ tags: 1000, rate: 10, tagsPerAsset: 100 }, { tags: 50, rate: 2, tagsPerAsset: 50 }]);
    expect(() => parseSteps('1000x10,abc', 100)).toThrow('--steps: "abc" is not TAGSxHZ (e.g. 1000x10)');
    expect(() => parseSteps('40000x10', 100)).toThrow('--steps: "40000x10" needs 80400 holding registers, more than the 65536 of one Modbus unit (at most 32600 tags at 100 per asset)');
  });
});
