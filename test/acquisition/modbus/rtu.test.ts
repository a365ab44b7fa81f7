/** RTU over a socat pty pair, with Debian's pymodbus serial RTU server on the far end. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModbusDevice } from '../../../gateway/acquisition/modbus/device.ts';
import { probeModbus } from '../../../gateway/acquisition/modbus/probe.ts';
import type { SerialBus } from '../../../gateway/acquisition/modbus/config.ts';
import { spawnPeer, waitFor, type Spawned } from '../../support/process.ts';
import { allGood, collect, rtuDevice, tag } from './fixtures.ts';
import { expectedValue, startPymodbusRtu, type PymodbusPeer } from './pymodbus.ts';

describe('ModbusDevice over RTU', () => {
  let dir: string;
  let socat: Spawned;
  let py: PymodbusPeer;
  let bus: SerialBus;
  const devices: ModbusDevice[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telltale-rtu-'));
    const a = join(dir, 'A');
    const b = join(dir, 'B');
    socat = spawnPeer('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`]);
    await waitFor(() => existsSync(a) && existsSync(b), 10_000, 'socat pty links');
    // Linux ptys reject parity (tcsetattr PARENB: EINVAL), so the pty pair runs 8N1.
    py = await startPymodbusRtu(b, '1', 19200, 'N');
    bus = { id: 'line1', path: a, baudRate: 19200, dataBits: 8, stopBits: 1, parity: 'none' };
  });
  afterAll(async () => {
    await Promise.all(devices.map((d) => d.stop()));
    await py?.peer.stop();
    await socat?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads every type and order from the RTU slave', async () => {
    const tags = py.vectors.map((v) => tag(`${v.type}_${v.order}`, v.address, { type: v.type, order: v.order, length: v.length }));
    tags.push(tag('coil0', 0, { table: 'coil', type: 'bool' }), tag('in3', 3, { table: 'input' }));
    const device = new ModbusDevice(rtuDevice('rtu-1', 'line1', tags, { timeoutMs: 1000, pollIntervalMs: 200 }), { bus });
    devices.push(device);
    const seen = collect(device);
    await device.start();
    const batch = await seen.next(allGood);
    for (const v of py.vectors) expect(batch.values[`${v.type}_${v.order}`], `${v.type} ${v.order}`).toBe(expectedValue(v));
    expect(batch.values.coil0).toBe(true);
    expect(batch.values.in3).toBe(21);
    expect(device.status()).toMatchObject({ protocol: 'modbus-rtu', connected: true });
  });

  it('skips a dead slave on the shared bus with backoff while the live one keeps answering', async () => {
    const live = new ModbusDevice(rtuDevice('rtu-live', 'line1', [tag('x', 102, { type: 'int32' })], { pollIntervalMs: 50, timeoutMs: 300 }), { bus });
    const dead = new ModbusDevice(rtuDevice('rtu-dead', 'line1', [tag('x', 0)], { unitId: 2, pollIntervalMs: 50, timeoutMs: 300 }), { bus });
    devices.push(live, dead);
    const liveSeen = collect(live);
    const deadSeen = collect(dead);
    await Promise.all([live.start(), dead.start()]);
    const timedOut = await deadSeen.next((b) => b.quality.x.status === 'bad' && (b.quality.x as { code?: string }).code === 'timeout');
    expect((timedOut.quality.x as { reason: string }).reason).toBe('timeout after 300 ms reading holding 0+1 from unit 2');
    const skipped = await deadSeen.next((b) => (b.quality.x as { code?: string }).code === 'backoff');
    expect((skipped.quality.x as { reason: string }).reason).toMatch(/^unit 2 skipped for \d+ ms after a timeout/);
    const goodBefore = liveSeen.batches.filter(allGood).length;
    for (let i = 0; i < 5; i++) await liveSeen.next(allGood);
    expect(liveSeen.batches.filter(allGood).length).toBeGreaterThanOrEqual(goodBefore + 5);
    expect(liveSeen.batches.at(-1)!.values.x).toBe(-123456789);
    // Both RTU devices share one port: the dead one skipped most polls instead of taking the bus each time.
    expect(dead.status().state).toMatch(/backoff|connected/);
    expect(dead.status().requests).toBeLessThan(deadSeen.batches.length);
  });

  it('probes the RTU slave through a modbus-rtu:// URL', async () => {
    const lines: string[] = [];
    await probeModbus(`modbus-rtu://${bus.path}?baud=19200&parity=none&unit=1`, { address: 106, count: 1, type: 'float32', order: 'ABCD', function: 3, timeoutMs: 1000 }, (l) => lines.push(l));
    expect(lines[0]).toBe(`${bus.path} 19200 baud none unit 1 · holding (FC3) · 1 × float32 ABCD`);
    expect(lines[2]).toBe(`106      0x42f6 0xe979  ${Math.fround(123.456)}`);
  });
});

describe('SerialLine sharing', () => {
  it('refuses a second bus on the same port with other settings, naming both', async () => {
    const a = { id: 'bus-a', path: '/dev/telltale-test-none', baudRate: 19200, dataBits: 8 as const, stopBits: 1 as const, parity: 'even' as const };
    const b = { ...a, id: 'bus-b', baudRate: 9600 };
    const first = new ModbusDevice(rtuDevice('first', 'bus-a', [tag('x', 0)], { timeoutMs: 100 }), { bus: a });
    const second = new ModbusDevice(rtuDevice('second', 'bus-b', [tag('x', 0)]), { bus: b });
    await first.start();
    try {
      await expect(second.start()).rejects.toThrow('device "second": serial bus "bus-b" on /dev/telltale-test-none is 9600 baud 8E1, but bus "bus-a" already uses that port as 19200 baud 8E1');
      expect(first.status().lastError).toMatch(/^cannot connect to \/dev\/telltale-test-none unit 1: /);
    } finally {
      await first.stop();
    }
  });
});
