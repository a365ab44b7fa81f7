import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModbusClient } from '../../gateway/acquisition/modbus/client.ts';
import { loadTable, SKAB_SPEC } from '../../gateway/evaluate/dataset.ts';
import { ReplayPlant, signalName, int16ScaleFor } from '../../gateway/simulator/plant/replay.ts';
import { createPlant, startSimulator, type Simulator } from '../../gateway/simulator/index.ts';
import { closeClient, connectClient, readFloats } from './wire.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/skab', import.meta.url));
const VALVE = join(FIXTURES, 'valve1', '0.csv');

describe('replay over Modbus', () => {
  const table = loadTable(VALVE, SKAB_SPEC);
  const d = table.columns.length;
  let sim: Simulator;
  let client: ModbusClient;

  beforeAll(async () => {
    // One tick = one recorded second: every SKAB row shows for exactly one tick.
    sim = await startSimulator({ run: false, replay: VALVE, rate: 1, speed: 1, loop: false });
    client = await connectClient(sim.modbusPort);
  });
  afterAll(async () => {
    await closeClient(client);
    await sim.close();
  });

  it('maps the SKAB columns to signals with units', () => {
    expect(sim.plant.assets).toEqual(['0']);
    expect(sim.plant.signals.map((s) => s.name)).toEqual([
      'accelerometer1_rms', 'accelerometer2_rms', 'current', 'pressure', 'temperature', 'thermocouple', 'voltage', 'volume_flow_rate_rms',
    ]);
    expect(sim.plant.signals.find((s) => s.name === 'voltage')?.unit).toBe('V');
  });

  it('serves the file\'s rows, in order of their timestamps, at the mapped registers', async () => {
    const tags = sim.map.tags();
    const t0 = Date.parse(`${table.timestamps[0].replace(' ', 'T')}Z`);
    const due = (elapsedS: number): number => {
      let row = 0;
      while (row + 1 < table.rows && Date.parse(`${table.timestamps[row + 1].replace(' ', 'T')}Z`) - t0 <= elapsedS * 1000) row++;
      return row;
    };
    const served: number[] = [];
    for (let t = 0; t < 30; t++) {
      const got = await readFloats(client, tags[0].address, d);
      const row = due(t);
      expect(got, `t=${t} s: row ${row + 2} of ${VALVE}`).toEqual(Array.from(table.data.subarray(row * d, row * d + d), Math.fround));
      served.push(row);
      sim.step(1);
    }
    // Rows are 1–2 s apart, so at one tick per second every row shows, in order, none skipped.
    const unique = [...new Set(served)];
    expect(unique).toEqual(Array.from({ length: unique.length }, (_, i) => i));
    expect(unique.length).toBeGreaterThan(25);
  });

  it('follows the timestamps across a gap and raises fault_active with the anomaly column', async () => {
    // Row 31 is 9 minutes after row 30 in the excerpt; the anomaly starts 9 rows later.
    const b = sim.map.block('0');
    expect((await client.readDiscreteInputs(b.discrete, 1)).data[0]).toBe(false);
    const firstAnomaly = table.labels!.indexOf(1);
    while ((sim.plant as ReplayPlant).row('0') < firstAnomaly) sim.step(1);
    expect((await client.readDiscreteInputs(b.discrete, 1)).data[0]).toBe(true);
    expect((await client.readHoldingRegisters(b.holding + sim.map.faultCodeOffset, 1)).data[0]).toBe(100);
    expect(await readFloats(client, b.holding, d)).toEqual(Array.from(table.data.subarray(firstAnomaly * d, firstAnomaly * d + d), Math.fround));
    expect(sim.groundTruth()[0]).toMatchObject({ active: true, kind: 'recorded', code: 100 });
  });

  it('holds the last row at the end when loop is off', () => {
    sim.step(600);
    const plant = sim.plant as ReplayPlant;
    expect(plant.row('0')).toBe(table.rows - 1);
    expect(plant.ended()).toBe(true);
  });
});

describe('ReplayPlant', () => {
  it('names assets by relative path when given a directory', () => {
    const plant = new ReplayPlant({ path: FIXTURES, startMs: 0 });
    expect(plant.assets).toEqual(['other-1', 'valve1-0']);
  });

  it('starts over at the end when loop is on, at speed', () => {
    const plant = new ReplayPlant({ path: join(FIXTURES, 'other', '1.csv'), speed: 10, startMs: 0 });
    expect(plant.assets).toEqual(['1']);
    plant.step(1); // 10 recorded seconds: row 10 (15:44:16)
    expect(plant.row('1')).toBe(10);
    plant.step(1.05); // 20.5 s: the last row (at 20 s) shows for one typical step
    expect(plant.row('1')).toBe(19);
    plant.step(0.1); // 21.5 s: the pass (20 s + 1 s) is over, so row 0 again
    expect(plant.row('1')).toBe(0);
    expect(plant.ended()).toBe(false);
  });

  it('names the file, row and column of a bad cell', () => {
    const dir = mkdtempSync(join(tmpdir(), 'telltale-replay-'));
    try {
      const file = join(dir, 'bad.csv');
      writeFileSync(file, 'datetime;Current;anomaly\n2020-01-01 00:00:00;1.5;0\n2020-01-01 00:00:01;oops;0\n');
      expect(() => new ReplayPlant({ path: file })).toThrow(`${file}: row 3, column "Current": expected a number, got "oops"`);
      writeFileSync(file, 'datetime;Current;anomaly\nyesterday;1.5;0\n');
      expect(() => new ReplayPlant({ path: file })).toThrow(`${file}: row 2, column "datetime": expected YYYY-MM-DD hh:mm:ss, got "yesterday"`);
      expect(() => new ReplayPlant({ path: join(dir, 'nope.csv') })).toThrow('replay: ');
      expect(() => new ReplayPlant({ path: file, speed: 0 })).toThrow('speed: expected a number > 0, got 0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses options that do not apply to a recording', () => {
    expect(() => createPlant({ replay: VALVE, assets: 3 })).toThrow('replay and assets exclude each other: a replay has one asset per file');
    expect(() => createPlant({ replay: VALVE, tagsPerAsset: 3 })).toThrow('replay and tags-per-asset exclude each other');
    expect(() => createPlant({ replay: VALVE, faults: [{ asset: '0', kind: 'imbalance', atS: 1 }] })).toThrow('replay and faults exclude each other');
  });

  it('refuses injected faults: its ground truth is the recording', () => {
    const plant = new ReplayPlant({ path: VALVE });
    expect(() => plant.injectFault()).toThrow('faults cannot be injected into a replay');
  });

  it('derives snake_case names and int16 scales', () => {
    expect(signalName('Volume Flow RateRMS')).toBe('volume_flow_rate_rms');
    expect(signalName('Accelerometer1RMS')).toBe('accelerometer1_rms');
    expect(int16ScaleFor(250)).toBe(0.01);
    expect(int16ScaleFor(0.04)).toBe(1e-5);
    expect(int16ScaleFor(100_000)).toBe(10);
  });
});
