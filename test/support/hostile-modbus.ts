/**
 * A hostile Modbus TCP slave for fault tests: it answers function codes 1-4 correctly in mode 'ok' (register i
 * holds i, bit i is i odd) and misbehaves on request in the other modes. Hand-written on node:net because no
 * library server can be told to send wrong lengths or garbage.
 *   exception: every request gets exception `exceptionCode`
 *   short:     a correct header whose byte count promises more data than follows (truncated frame)
 *   wrong-count: a well-formed frame whose byte count is not what was asked for (one register too few)
 *   garbage:   random bytes of random length, no MBAP framing
 *   silent:    reads the request, never answers
 * `flap(downMs)` drops every connection and stops listening for downMs, then listens on the same port again.
 */
import { createServer, type Server, type Socket } from 'node:net';

export type HostileMode = 'ok' | 'exception' | 'short' | 'wrong-count' | 'garbage' | 'silent';

export interface HostileModbus {
  readonly port: number;
  mode: HostileMode;
  exceptionCode: number;
  /** Requests received, per mode they were answered in. */
  readonly requests: Record<HostileMode, number>;
  flap(downMs: number): Promise<void>;
  close(): Promise<void>;
}

function okPdu(fc: number, address: number, count: number): Buffer {
  if (fc === 1 || fc === 2) {
    const bytes = Buffer.alloc(Math.ceil(count / 8));
    for (let i = 0; i < count; i++) if ((address + i) % 2 === 1) bytes[i >> 3]! |= 1 << (i & 7);
    return Buffer.concat([Buffer.from([fc, bytes.length]), bytes]);
  }
  const data = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) data.writeUInt16BE((address + i) & 0xffff, i * 2);
  return Buffer.concat([Buffer.from([fc, data.length]), data]);
}

function frame(tid: number, unit: number, pdu: Buffer): Buffer {
  const head = Buffer.alloc(7);
  head.writeUInt16BE(tid, 0);
  head.writeUInt16BE(0, 2);
  head.writeUInt16BE(pdu.length + 1, 4);
  head[6] = unit;
  return Buffer.concat([head, pdu]);
}

export async function startHostileModbus(port = 0): Promise<HostileModbus> {
  const sockets = new Set<Socket>();
  const requests: Record<HostileMode, number> = { ok: 0, exception: 0, short: 0, 'wrong-count': 0, garbage: 0, silent: 0 };
  const state = { mode: 'ok' as HostileMode, exceptionCode: 2 };

  const answer = (s: Socket, req: Buffer) => {
    const tid = req.readUInt16BE(0);
    const unit = req[6]!;
    const fc = req[7]!;
    const address = req.readUInt16BE(8);
    const count = req.readUInt16BE(10);
    requests[state.mode]++;
    switch (state.mode) {
      case 'ok': return s.write(frame(tid, unit, okPdu(fc, address, count)));
      case 'exception': return s.write(frame(tid, unit, Buffer.from([fc | 0x80, state.exceptionCode])));
      case 'short': {
        const full = frame(tid, unit, okPdu(fc, address, count));
        const cut = full.subarray(0, Math.max(9, full.length - 3));
        cut.writeUInt16BE(cut.length - 6, 4);
        return s.write(cut);
      }
      case 'wrong-count': return s.write(frame(tid, unit, okPdu(fc, address, Math.max(0, count - 1))));
      case 'garbage': {
        const junk = Buffer.alloc(1 + Math.floor(Math.random() * 40));
        for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(Math.random() * 256);
        return s.write(junk);
      }
      case 'silent': return;
    }
  };

  const onConnection = (s: Socket) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 6) {
        const len = 6 + buf.readUInt16BE(4);
        if (buf.length < len) break;
        const req = buf.subarray(0, len);
        buf = buf.subarray(len);
        if (req.length >= 12) answer(s, req);
      }
    });
  };

  let server: Server = createServer(onConnection);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const bound = (server.address() as { port: number }).port;

  const close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };

  return {
    port: bound,
    get mode() { return state.mode; },
    set mode(m: HostileMode) { state.mode = m; },
    get exceptionCode() { return state.exceptionCode; },
    set exceptionCode(c: number) { state.exceptionCode = c; },
    requests,
    async flap(downMs: number) {
      await close();
      await new Promise((r) => setTimeout(r, downMs));
      server = createServer(onConnection);
      await new Promise<void>((r, reject) => { server.once('error', reject); server.listen(bound, '127.0.0.1', r); });
    },
    close,
  };
}
