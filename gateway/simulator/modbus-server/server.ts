/**
 * A Modbus TCP server over RegisterBanks, for the simulator, the tests and the benchmarks.
 *
 * Hand-written on node:net because it must never be the bottleneck: modbus-serial's ServerTCP answers only
 * ~767 req/s on loopback and Debian's pymodbus ~12 k; this one parses MBAP frames straight out of the socket
 * buffer (partial and pipelined frames) and answers each data chunk with one write.
 */
import { createServer, type Socket } from 'node:net';
import type { RegisterBank } from './register-bank.ts';

export interface ModbusServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  units: Map<number, RegisterBank> | ((unitId: number) => RegisterBank | undefined);
  /**
   * A request for a unit that does not exist: 'ignore' sends nothing (a dead slave behind a gateway, the client
   * times out); 'exception' answers 0x0B (gateway target device failed to respond). Default 'ignore'.
   */
  unknownUnit?: 'ignore' | 'exception';
}

export interface ModbusServerStats {
  /** Requests parsed (answered or not). */
  requests: number;
  /** Exception responses sent. */
  exceptions: number;
  /** Requests per function code. */
  byFunction: Record<number, number>;
}

export interface ModbusServer {
  port: number;
  host: string;
  stats: ModbusServerStats;
  /** Connections currently open. */
  connections(): number;
  close(): Promise<void>;
}

export const EXCEPTION = {
  ILLEGAL_FUNCTION: 0x01,
  ILLEGAL_DATA_ADDRESS: 0x02,
  ILLEGAL_DATA_VALUE: 0x03,
  GATEWAY_TARGET_FAILED: 0x0b,
} as const;

const MBAP = 7;
/** The MBAP length field covers unit id + PDU; a PDU is at most 253 bytes. */
const MAX_LENGTH = 254;

export async function startModbusTcpServer(opts: ModbusServerOptions): Promise<ModbusServer> {
  const lookup = typeof opts.units === 'function' ? opts.units : (id: number) => (opts.units as Map<number, RegisterBank>).get(id);
  const unknownUnit = opts.unknownUnit ?? 'ignore';
  const stats: ModbusServerStats = { requests: 0, exceptions: 0, byFunction: {} };
  const sockets = new Set<Socket>();

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    let pending: Buffer | undefined;
    socket.on('data', (chunk: Buffer) => {
      let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = undefined;
      const replies: Buffer[] = [];
      let pos = 0;
      while (buf.length - pos >= MBAP) {
        const length = buf.readUInt16BE(pos + 4);
        if (buf.readUInt16BE(pos + 2) !== 0 || length < 2 || length > MAX_LENGTH) {
          // Not Modbus (protocol id must be 0) or a corrupt length: no way to resynchronise a TCP stream.
          socket.destroy();
          return;
        }
        if (buf.length - pos < 6 + length) break;
        const reply = handleFrame(buf, pos, length, lookup, unknownUnit, stats);
        if (reply) replies.push(reply);
        pos += 6 + length;
      }
      if (pos < buf.length) pending = Buffer.from(buf.subarray(pos));
      if (replies.length === 1) socket.write(replies[0]);
      else if (replies.length > 1) socket.write(Buffer.concat(replies));
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  return {
    port,
    host: opts.host ?? '127.0.0.1',
    stats,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function handleFrame(
  buf: Buffer, pos: number, length: number, lookup: (id: number) => RegisterBank | undefined,
  unknownUnit: 'ignore' | 'exception', stats: ModbusServerStats,
): Buffer | undefined {
  const unit = buf[pos + 6];
  const fc = buf[pos + 7];
  const pdu = pos + 7;
  const pduLen = length - 1;
  stats.requests++;
  stats.byFunction[fc] = (stats.byFunction[fc] ?? 0) + 1;
  const bank = lookup(unit);
  if (!bank) {
    if (unknownUnit === 'ignore') return undefined;
    return exception(buf, pos, fc, EXCEPTION.GATEWAY_TARGET_FAILED, stats);
  }
  switch (fc) {
    case 1:
    case 2: {
      const bad = pduLen < 5 ? EXCEPTION.ILLEGAL_DATA_VALUE : rangeCheck(buf.readUInt16BE(pdu + 1), buf.readUInt16BE(pdu + 3), 2000);
      if (bad) return exception(buf, pos, fc, bad, stats);
      const addr = buf.readUInt16BE(pdu + 1);
      const qty = buf.readUInt16BE(pdu + 3);
      const bits = fc === 1 ? bank.coils : bank.discrete;
      const nbytes = (qty + 7) >> 3;
      const out = reply(buf, pos, 2 + nbytes);
      out[8] = nbytes;
      out.fill(0, 9);
      for (let i = 0; i < qty; i++) if (bits[addr + i]) out[9 + (i >> 3)] |= 1 << (i & 7);
      return out;
    }
    case 3:
    case 4: {
      const bad = pduLen < 5 ? EXCEPTION.ILLEGAL_DATA_VALUE : rangeCheck(buf.readUInt16BE(pdu + 1), buf.readUInt16BE(pdu + 3), 125);
      if (bad) return exception(buf, pos, fc, bad, stats);
      const addr = buf.readUInt16BE(pdu + 1);
      const qty = buf.readUInt16BE(pdu + 3);
      const regs = fc === 3 ? bank.holding : bank.input;
      const out = reply(buf, pos, 2 + qty * 2);
      out[8] = qty * 2;
      for (let i = 0; i < qty; i++) out.writeUInt16BE(regs[addr + i], 9 + i * 2);
      return out;
    }
    case 5: {
      if (pduLen !== 5) return exception(buf, pos, fc, EXCEPTION.ILLEGAL_DATA_VALUE, stats);
      const addr = buf.readUInt16BE(pdu + 1);
      const v = buf.readUInt16BE(pdu + 3);
      if (v !== 0xff00 && v !== 0x0000) return exception(buf, pos, fc, EXCEPTION.ILLEGAL_DATA_VALUE, stats);
      bank.coils[addr] = v === 0xff00 ? 1 : 0;
      return echo(buf, pos, 5);
    }
    case 6: {
      if (pduLen !== 5) return exception(buf, pos, fc, EXCEPTION.ILLEGAL_DATA_VALUE, stats);
      bank.holding[buf.readUInt16BE(pdu + 1)] = buf.readUInt16BE(pdu + 3);
      return echo(buf, pos, 5);
    }
    case 15: {
      if (pduLen < 6) return exception(buf, pos, fc, EXCEPTION.ILLEGAL_DATA_VALUE, stats);
      const addr = buf.readUInt16BE(pdu + 1);
      const qty = buf.readUInt16BE(pdu + 3);
      const nbytes = buf[pdu + 5];
      if (qty < 1 || qty > 1968 || nbytes !== (qty + 7) >> 3 || pduLen < 6 + nbytes) {
        return exception(buf, pos, fc, EXCEPTION.ILLEGAL_DATA_VALUE, stats);
      }
      if (addr + qty > 65536) return exception(buf, pos, fc, EXCEPTION.ILLEGAL_DATA_ADDRESS, stats);
      for (let i = 0; i < qty; i++) bank.coils[addr + i] = (buf[pdu + 6 + (i >> 3)] >> (i & 7)) & 1;
      return echo(buf, pos, 5);
    }
    case 16: {
      if (pduLen < 6) return exception(buf, pos, fc, EXCEPTION.ILLEGAL_DATA_VALUE, stats);
      const addr = buf.readUInt16BE(pdu + 1);
      const qty = buf.readUInt16BE(pdu + 3);
      const nbytes = buf[pdu + 5];
      if (qty < 1 || qty > 123 || nbytes !== qty * 2 || pduLen < 6 + nbytes) {
        return exception(buf, pos, fc, EXCEPTION.ILLEGAL_DATA_VALUE, stats);
      }
      if (addr + qty > 65536) return exception(buf, pos, fc, EXCEPTION.ILLEGAL_DATA_ADDRESS, stats);
      for (let i = 0; i < qty; i++) bank.holding[addr + i] = buf.readUInt16BE(pdu + 6 + i * 2);
      return echo(buf, pos, 5);
    }
    default:
      return exception(buf, pos, fc, EXCEPTION.ILLEGAL_FUNCTION, stats);
  }
}

/** 0 when a read of qty items at addr is legal, else the exception code. */
function rangeCheck(addr: number, qty: number, max: number): number {
  if (qty < 1 || qty > max) return EXCEPTION.ILLEGAL_DATA_VALUE;
  return addr + qty > 65536 ? EXCEPTION.ILLEGAL_DATA_ADDRESS : 0;
}

/** A response frame with the request's transaction id, unit and function code, and room for pduLen bytes. */
function reply(req: Buffer, pos: number, pduLen: number): Buffer {
  const out = Buffer.allocUnsafe(MBAP + pduLen);
  out.writeUInt16BE(req.readUInt16BE(pos), 0);
  out.writeUInt16BE(0, 2);
  out.writeUInt16BE(pduLen + 1, 4);
  out[6] = req[pos + 6];
  out[7] = req[pos + 7];
  return out;
}

/** Write responses repeat the function code and the first `n - 1` request bytes after it. */
function echo(req: Buffer, pos: number, n: number): Buffer {
  const out = reply(req, pos, n);
  req.copy(out, 8, pos + 8, pos + 7 + n);
  return out;
}

function exception(req: Buffer, pos: number, fc: number, code: number, stats: ModbusServerStats): Buffer {
  stats.exceptions++;
  const out = reply(req, pos, 2);
  out[7] = (fc | 0x80) & 0xff;
  out[8] = code;
  return out;
}
