/** Device configs and helpers for the ModbusDevice tests. */
import { createServer, type Server, type Socket } from 'node:net';
import type { ModbusRtuDevice, ModbusTag, ModbusTcpDevice } from '../../../gateway/acquisition/modbus/config.ts';
import type { ModbusDevice } from '../../../gateway/acquisition/modbus/device.ts';
import type { SampleBatch } from '../../../gateway/core/sample.ts';

export const tag = (name: string, address: number, extra: Partial<ModbusTag> = {}): ModbusTag =>
  ({ name, address, table: 'holding', type: 'uint16', scale: 1, offset: 0, ...extra }) as ModbusTag;

const common = {
  unitId: 1, timeoutMs: 500, retries: 0, pollIntervalMs: 50, order: 'ABCD' as const, maxGap: 16,
  maxRegistersPerRead: 125, maxBitsPerRead: 2000, backoff: { initialMs: 50, maxMs: 400 },
};

export function tcpDevice(id: string, port: number, tags: ModbusTag[], extra: Partial<ModbusTcpDevice> = {}): ModbusTcpDevice {
  return { protocol: 'modbus-tcp', id, host: '127.0.0.1', port, ...common, tags, ...extra };
}

export function rtuDevice(id: string, bus: string, tags: ModbusTag[], extra: Partial<ModbusRtuDevice> = {}): ModbusRtuDevice {
  return { protocol: 'modbus-rtu', id, bus, ...common, tags, ...extra };
}

/** Collects batches; `next(pred)` resolves with the first batch (already seen or future) that matches. */
export function collect(device: ModbusDevice): { batches: SampleBatch[]; next(pred?: (b: SampleBatch) => boolean, timeoutMs?: number): Promise<SampleBatch> } {
  const batches: SampleBatch[] = [];
  const waiters: { pred: (b: SampleBatch) => boolean; resolve: (b: SampleBatch) => void }[] = [];
  device.onSamples((b) => {
    batches.push(b);
    for (const w of [...waiters]) if (w.pred(b)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(b); }
  });
  return {
    batches,
    next(pred = () => true, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no matching batch from ${device.id} within ${timeoutMs} ms; last: ${JSON.stringify(batches.at(-1))}`)), timeoutMs);
        waiters.push({ pred, resolve: (b) => { clearTimeout(t); resolve(b); } });
      });
    },
  };
}

export const allGood = (b: SampleBatch): boolean => Object.values(b.quality).every((q) => q.status === 'good');

/** A TCP server that accepts connections and never answers: a dead slave behind a live network. */
export async function startDeadSlave(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => { sockets.add(s); s.on('error', () => {}); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}
