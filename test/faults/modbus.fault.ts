import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModbusDevice } from '../../gateway/acquisition/modbus/device.ts';
import { allGood, collect, tag, tcpDevice } from '../acquisition/modbus/fixtures.ts';
import { startHostileModbus, type HostileModbus, type HostileMode } from '../support/hostile-modbus.ts';

describe('ModbusDevice against a hostile slave', () => {
  let slave: HostileModbus;
  let device: ModbusDevice;
  let seen: ReturnType<typeof collect>;
  beforeAll(async () => {
    slave = await startHostileModbus();
    device = new ModbusDevice(tcpDevice('hostile', slave.port, [tag('a', 10), tag('b', 11, { type: 'int32' }), tag('run', 3, { table: 'coil', type: 'bool' })], { timeoutMs: 300 }));
    seen = collect(device);
    await device.start();
    await seen.next(allGood);
  });
  afterAll(async () => {
    await device?.stop();
    await slave?.close();
  });

  /** Switch the slave to `mode`, wait for a bad batch, then back to ok and wait for a good one. */
  async function badThenRecovers(mode: HostileMode): Promise<{ reason?: string; code?: string }> {
    const from = seen.batches.length;
    slave.mode = mode;
    const bad = await seen.next((b) => seen.batches.indexOf(b) >= from && b.quality.a!.status === 'bad');
    slave.mode = 'ok';
    const good = await seen.next((b) => seen.batches.indexOf(b) > seen.batches.indexOf(bad) && allGood(b));
    expect(good.values).toEqual({ a: 10, b: (11 << 16) | 12, run: true });
    const q = bad.quality.a!;
    if (process.env.FAULTS_VERBOSE) console.log(mode, JSON.stringify(q));
    return q.status === 'bad' ? { reason: q.reason, code: q.code } : {};
  }

  it('turns exception responses into bad quality naming the exception, and recovers', async () => {
    slave.exceptionCode = 4;
    const q = await badThenRecovers('exception');
    expect(q).toEqual({ reason: 'Modbus exception 4 (Server device failure) reading holding 10+3 from unit 1', code: 'exception-4' });
  });

  it('turns a truncated frame into bad quality and recovers', async () => {
    const q = await badThenRecovers('short');
    expect(q.reason).toBe('Data length error, expected 11 got 8 reading holding 10+3 from unit 1');
  });

  it('turns a byte count that does not match the request into bad quality and recovers', async () => {
    const q = await badThenRecovers('wrong-count');
    expect(q.reason).toBe('Data length error, expected 11 got 9 reading holding 10+3 from unit 1');
  });

  it('survives garbage frames and recovers', async () => {
    const q = await badThenRecovers('garbage');
    expect(q.reason).toMatch(/holding 10\+3 from unit 1/);
    expect(slave.requests.garbage).toBeGreaterThan(0);
  });

  it('turns silence into a timeout and recovers', async () => {
    const q = await badThenRecovers('silent');
    expect(q).toMatchObject({ code: 'timeout' });
  });

  it('reconnects through a flapping slave (5 drops) and ends with good data', async () => {
    const reconnects = device.status().reconnects;
    for (let i = 0; i < 5; i++) {
      const from = seen.batches.length;
      await slave.flap(150 + i * 50);
      await seen.next((b) => seen.batches.indexOf(b) >= from && allGood(b));
    }
    expect(device.status().reconnects).toBeGreaterThanOrEqual(reconnects + 5);
    expect(device.status()).toMatchObject({ connected: true, state: 'connected' });
  });
});
