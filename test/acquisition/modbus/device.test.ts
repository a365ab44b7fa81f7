import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ModbusDevice } from '../../../gateway/acquisition/modbus/device.ts';
import { RegisterBank, startModbusTcpServer, type ModbusServer } from '../../../gateway/simulator/modbus-server/index.ts';
import { waitFor } from '../../support/process.ts';
import { allGood, collect, startDeadSlave, tag, tcpDevice } from './fixtures.ts';
import { expectedValue, startPymodbusTcp, type PymodbusPeer } from './pymodbus.ts';

const started: ModbusDevice[] = [];
async function run(device: ModbusDevice): Promise<ModbusDevice> {
  started.push(device);
  await device.start();
  return device;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((d) => d.stop()));
});

describe('ModbusDevice against pymodbus', () => {
  let py: PymodbusPeer;
  beforeAll(async () => { py = await startPymodbusTcp(); });
  afterAll(async () => { await py?.peer.stop(); });

  it('decodes every type and order through one poll, scaled', async () => {
    const tags = py.vectors.map((v) => tag(`${v.type}_${v.order}`, v.address, { type: v.type, order: v.order, length: v.length }));
    tags.push(tag('scaled', 101, { type: 'uint16', scale: 0.01, offset: -500, unit: 'bar' }), tag('bit5', 90, { type: 'bool', bit: 5 }));
    const device = new ModbusDevice(tcpDevice('py', py.port, tags));
    const seen = collect(device);
    await run(device);
    const batch = await seen.next();
    expect(batch.quality).toEqual(Object.fromEntries(tags.map((t) => [t.name, { status: 'good' }])));
    for (const v of py.vectors) expect(batch.values[`${v.type}_${v.order}`], `${v.type} ${v.order}`).toBe(expectedValue(v));
    expect(batch.values.scaled).toBeCloseTo(54321 * 0.01 - 500, 9);
    expect(batch.values.bit5).toBe(true);
    expect(batch).toMatchObject({ device: 'py', asset: 'py', group: 'py@50ms' });
  });

  it('turns a Modbus exception into bad quality for the tags of that request only', async () => {
    const device = new ModbusDevice(tcpDevice('py-exc', py.port, [tag('ok', 10), tag('missing', 2000, { table: 'input' })]));
    const seen = collect(device);
    await run(device);
    const batch = await seen.next();
    expect(batch.quality.ok).toEqual({ status: 'good' });
    expect(batch.values.missing).toBeNull();
    expect(batch.quality.missing).toEqual({ status: 'bad', reason: 'Modbus exception 2 (Illegal data address) reading input 2000+1 from unit 1', code: 'exception-2' });
    expect(device.status()).toMatchObject({ connected: true, lastError: 'Modbus exception 2 (Illegal data address) reading input 2000+1 from unit 1' });
    expect(device.status().errors).toBeGreaterThan(0);
  });
});

describe('ModbusDevice with a killed server process', () => {
  it('reconnects after pymodbus is killed (SIGKILL) and restarted on the same port', async () => {
    let py = await startPymodbusTcp();
    const port = py.port;
    const device = new ModbusDevice(tcpDevice('killed', port, [tag('x', 102, { type: 'int32' })]));
    const seen = collect(device);
    await run(device);
    await seen.next(allGood);
    await py.peer.kill9();
    await seen.next((b) => b.quality.x.status === 'bad');
    expect(device.status().connected).toBe(false);
    const badCount = seen.batches.length;
    py = await startPymodbusTcp('1', port);
    try {
      const back = await seen.next((b) => seen.batches.indexOf(b) >= badCount && allGood(b));
      expect(back.values.x).toBe(-123456789);
      expect(device.status()).toMatchObject({ connected: true, state: 'connected' });
      expect(device.status().reconnects).toBeGreaterThanOrEqual(1);
    } finally {
      await device.stop();
      await py.peer.stop();
    }
  });
});

describe('ModbusDevice against our server', () => {
  const bank = new RegisterBank();
  let server: ModbusServer;
  beforeAll(async () => {
    for (let i = 0; i < 200; i++) bank.holding[i] = i;
    server = await startModbusTcpServer({ port: 0, units: new Map([[1, bank]]) });
  });
  afterAll(async () => { await server?.close(); });

  it('reads 40 neighbouring tags with one request per poll', async () => {
    const tags = Array.from({ length: 40 }, (_, i) => tag(`r${i}`, 20 + i * 2));
    const device = new ModbusDevice(tcpDevice('coalesce', server.port, tags));
    const seen = collect(device);
    const before = server.stats.byFunction[3] ?? 0;
    await run(device);
    await seen.next();
    await seen.next();
    await device.stop();
    const polls = seen.batches.length;
    expect(device.plan()[0].blocks).toHaveLength(1);
    expect((server.stats.byFunction[3] ?? 0) - before).toBe(polls);
    expect(device.status().requests).toBe(polls);
    expect(seen.batches[0].values.r39).toBe(98);
  });

  it('stores a float register holding NaN or ±Infinity as bad quality, not as a good value', async () => {
    // IEEE 754 single precision, big-endian words (order ABCD): 0x7FC00000 NaN, 0x7F800000 +Inf, 0xFF800000 -Inf, 0x3FC00000 1.5.
    const words = [[0x7fc0, 0], [0x7f80, 0], [0xff80, 0], [0x3fc0, 0]];
    words.forEach(([hi, lo], i) => { bank.holding[300 + 2 * i] = hi; bank.holding[301 + 2 * i] = lo; });
    const names = ['nan', 'inf', 'ninf', 'ok'];
    const device = new ModbusDevice(tcpDevice('nonfinite', server.port, names.map((n, i) => tag(n, 300 + 2 * i, { type: 'float32' }))));
    const seen = collect(device);
    await run(device);
    const batch = await seen.next();
    expect(batch.values).toEqual({ nan: null, inf: null, ninf: null, ok: 1.5 });
    expect(batch.quality.ok).toEqual({ status: 'good' });
    for (const [n, shown] of [['nan', 'NaN'], ['inf', 'Infinity'], ['ninf', '-Infinity']]) {
      expect(batch.quality[n]).toEqual({ status: 'bad', code: 'non-finite', reason: expect.stringContaining(`offset ${names.indexOf(n) * 2} is ${shown}, not a finite value`) });
    }
  });

  it('emits one batch per poll group, grouping tags by asset and interval', async () => {
    const device = new ModbusDevice(tcpDevice('groups', server.port, [tag('a', 1, { asset: 'pump' }), tag('b', 2, { asset: 'motor' }), tag('c', 3, { asset: 'pump', pollIntervalMs: 200 })]));
    const seen = collect(device);
    await run(device);
    const pump = await seen.next((b) => b.group === 'pump@50ms');
    const motor = await seen.next((b) => b.group === 'motor@50ms');
    const slow = await seen.next((b) => b.group === 'pump@200ms');
    expect([pump.values, motor.values, slow.values]).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
    expect(device.plan().map((p) => [p.intervalMs, p.blocks.length])).toEqual([[50, 1], [200, 1]]);
  });

  it('adds and removes a poll group at run time', async () => {
    const device = new ModbusDevice(tcpDevice('dyn', server.port, [tag('base', 0)]));
    const seen = collect(device);
    await run(device);
    const remove = device.addPollGroup({ id: 'node-1', asset: 'fan', intervalMs: 30, tags: [tag('speed', 7, { scale: 2 })] });
    const b = await seen.next((x) => x.group === 'node-1');
    expect(b).toMatchObject({ asset: 'fan', values: { speed: 14 }, quality: { speed: { status: 'good' } } });
    remove();
    const count = seen.batches.filter((x) => x.group === 'node-1').length;
    await seen.next((x) => x.group !== 'node-1');
    await seen.next((x) => x.group !== 'node-1');
    expect(seen.batches.filter((x) => x.group === 'node-1').length).toBe(count);
  });

  it('reconnects to a killed and restarted server', async () => {
    const bank2 = new RegisterBank();
    bank2.holding[0] = 11;
    let srv = await startModbusTcpServer({ port: 0, units: new Map([[1, bank2]]) });
    const port = srv.port;
    const device = new ModbusDevice(tcpDevice('restart', port, [tag('x', 0)]));
    const seen = collect(device);
    await run(device);
    await seen.next(allGood);
    await srv.close();
    const down = await seen.next((b) => b.quality.x.status === 'bad');
    expect(down.quality.x).toMatchObject({ status: 'bad', code: 'disconnected' });
    expect(device.status().connected).toBe(false);
    bank2.holding[0] = 22;
    srv = await startModbusTcpServer({ port, units: new Map([[1, bank2]]) });
    const back = await seen.next((b) => b.values.x === 22);
    expect(back.quality.x).toEqual({ status: 'good' });
    expect(device.status()).toMatchObject({ connected: true, state: 'connected' });
    expect(device.status().reconnects).toBeGreaterThanOrEqual(1);
    await device.stop();
    await srv.close();
  });

  it('keeps polling a live device while a dead slave has its first request outstanding', async () => {
    const dead = await startDeadSlave();
    const slow = new ModbusDevice(tcpDevice('dead', dead.port, [tag('x', 0)], { timeoutMs: 10_000 }));
    const live = new ModbusDevice(tcpDevice('live', server.port, [tag('x', 5)], { pollIntervalMs: 20 }));
    const liveSeen = collect(live);
    await run(slow);
    await run(live);
    await waitFor(() => slow.status().requests > 0, 5000, 'the dead slave to be asked');
    for (let i = 0; i < 5; i++) await liveSeen.next(allGood);
    expect(liveSeen.batches.filter(allGood).length).toBeGreaterThanOrEqual(5);
    expect(slow.status()).toMatchObject({ errors: 0, samples: 0 });
    await slow.stop();
    await dead.close();
  });

  it('skips and counts the ticks that come while a poll is still running', async () => {
    const dead = await startDeadSlave();
    const device = new ModbusDevice(tcpDevice('overrun', dead.port, [tag('x', 0)], { timeoutMs: 400, pollIntervalMs: 20 }));
    const seen = collect(device);
    await run(device);
    await seen.next();
    expect(seen.batches).toHaveLength(1);
    expect(device.status().skippedPolls).toBeGreaterThan(0);
    expect(device.status().requests).toBe(1);
    await device.stop();
    await dead.close();
  });

  it('reports a timeout as bad quality, then backs off and reconnects', async () => {
    const dead = await startDeadSlave();
    const device = new ModbusDevice(tcpDevice('timeout', dead.port, [tag('x', 0)], { timeoutMs: 100, retries: 1 }));
    const seen = collect(device);
    await run(device);
    const b = await seen.next((x) => x.quality.x.status === 'bad');
    expect(b.quality.x).toEqual({ status: 'bad', reason: 'timeout after 100 ms reading holding 0+1 from unit 1', code: 'timeout' });
    expect(device.status().errors).toBe(2);
    await waitFor(() => device.status().reconnects >= 1, 10_000, 'a reconnect');
    await device.stop();
    await dead.close();
  });

  it('backs off while nothing listens, and says where it tried', async () => {
    const { freePort } = await import('../../support/ports.ts');
    const port = await freePort();
    const device = new ModbusDevice(tcpDevice('nobody', port, [tag('x', 0)]));
    const seen = collect(device);
    await run(device);
    const b = await seen.next();
    expect(b.quality.x).toMatchObject({ status: 'bad', code: 'disconnected' });
    expect((b.quality.x as { reason: string }).reason).toContain(`not connected to 127.0.0.1:${port}: cannot connect to 127.0.0.1:${port}`);
    expect(device.status().state).toMatch(/backoff|connecting/);
  });
});
