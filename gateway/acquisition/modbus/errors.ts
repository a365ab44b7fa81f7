/** Turns what a Modbus request can fail with into a precise, stable reason for tag quality and device status. */
import { describeBlock, type RegisterBlock } from './planner.ts';

/** Exception codes from the Modbus Application Protocol v1.1b3, section 7. */
export const EXCEPTION_NAMES: Record<number, string> = {
  1: 'Illegal function',
  2: 'Illegal data address',
  3: 'Illegal data value',
  4: 'Server device failure',
  5: 'Acknowledge',
  6: 'Server device busy',
  8: 'Memory parity error',
  10: 'Gateway path unavailable',
  11: 'Gateway target device failed to respond',
};

export type FailureKind = 'exception' | 'timeout' | 'connection';

export interface RequestFailure {
  kind: FailureKind;
  /** e.g. `Modbus exception 2 (Illegal data address) reading holding 100+10 from unit 1` */
  reason: string;
  /** Short code for Quality.code: exception-2, timeout, connection. */
  code: string;
}

/** Raised by our own guard when a request outlives its timeout (the library's timer may not fire on a dead port). */
export class RequestTimeout extends Error {
  readonly errno = 'ETIMEDOUT';
}

export function classifyFailure(err: unknown, block: Pick<RegisterBlock, 'table' | 'address' | 'count' | 'unitId'>, timeoutMs: number): RequestFailure {
  const where = describeBlock(block);
  const e = err as { modbusCode?: unknown; errno?: unknown; code?: unknown; message?: unknown };
  if (typeof e?.modbusCode === 'number') {
    const name = EXCEPTION_NAMES[e.modbusCode] ?? 'Unknown exception';
    return { kind: 'exception', reason: `Modbus exception ${e.modbusCode} (${name}) reading ${where}`, code: `exception-${e.modbusCode}` };
  }
  if (e?.errno === 'ETIMEDOUT' || err instanceof RequestTimeout) {
    return { kind: 'timeout', reason: `timeout after ${timeoutMs} ms reading ${where}`, code: 'timeout' };
  }
  const msg = typeof e?.message === 'string' ? e.message : String(err);
  const code = typeof e?.code === 'string' ? ` (${e.code})` : '';
  return { kind: 'connection', reason: `${msg}${code} reading ${where}`, code: 'connection' };
}

/** Races a promise against a timer (and an abort signal: the connection closed); the timer is cleared either way. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeout(`${what}: no answer within ${ms} ms`)), ms);
    if (signal) {
      onAbort = () => reject(Object.assign(new Error(`${what}: connection closed`), { code: 'ECONNABORTED' }));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  return Promise.race([p, guard]).finally(() => {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  });
}
