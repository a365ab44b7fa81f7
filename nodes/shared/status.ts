/** Status dots mean the same on every Telltale node: green dot ok, yellow ring connecting, red ring error. */
import type { DeviceStatus, Quality } from '../../gateway/core/sample.ts';
import type { NodeStatus } from './red.ts';

const clip = (text: string, max = 40) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function deviceDot(status: DeviceStatus): NodeStatus {
  switch (status.state) {
    case 'connected': return { fill: 'green', shape: 'dot', text: 'connected' };
    case 'connecting': return { fill: 'yellow', shape: 'ring', text: 'connecting' };
    case 'backoff': return { fill: 'red', shape: 'ring', text: clip(status.lastError ? `retrying: ${status.lastError}` : 'retrying') };
    case 'disconnected': return { fill: 'red', shape: 'ring', text: clip(status.lastError ?? 'disconnected') };
    case 'stopped': return { fill: 'grey', shape: 'ring', text: 'stopped' };
  }
}

/** "12 values" when all are good, else the first bad reason and how many are bad. */
export function batchDot(quality: Record<string, Quality>): NodeStatus {
  let badCount = 0;
  let firstBad: string | undefined;
  let total = 0;
  for (const name in quality) {
    total++;
    const q = quality[name];
    if (q.status === 'bad') {
      badCount++;
      firstBad ??= `${name}: ${q.reason}`;
    }
  }
  if (badCount === 0) return { fill: 'green', shape: 'dot', text: `${total} values` };
  return { fill: 'red', shape: 'ring', text: clip(`${badCount}/${total} bad — ${firstBad}`) };
}

export const MISSING_CONFIG: NodeStatus = { fill: 'red', shape: 'ring', text: 'no device configured' };
