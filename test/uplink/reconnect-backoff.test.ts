import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReconnectBackoff } from '../../gateway/uplink/reconnect-backoff.ts';
import { CloudUplink, resolveUplinkConfig } from '../../gateway/uplink/index.ts';
import { freePort } from '../support/ports.ts';
import { waitFor } from '../support/process.ts';

describe('ReconnectBackoff', () => {
  it('does double the delay per failure up to the cap and start again after a connect', () => {
    const b = new ReconnectBackoff({ initialMs: 100, maxMs: 1000, random: () => 0.5 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([200, 400, 800, 1000, 1000]);
    b.reset();
    expect(b.delayMs).toBe(100);
  });

  it('does spread the delay by ±20 % jitter', () => {
    const low = new ReconnectBackoff({ initialMs: 100, maxMs: 10_000, random: () => 0 });
    const high = new ReconnectBackoff({ initialMs: 100, maxMs: 10_000, random: () => 0.999 });
    expect(low.next()).toBe(160);
    expect(high.next()).toBe(240);
  });

  it('does lengthen the uplink reconnect delay while the broker stays away', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'telltale-backoff-'));
    const u = new CloudUplink({
      config: resolveUplinkConfig({ url: `mqtt://127.0.0.1:${await freePort()}`, reconnectPeriodMs: 100 }),
      site: 's', gateway: 'g', outboxPath: join(dir, 'o.sqlite'),
    });
    u.start();
    try {
      await waitFor(() => u.status().reconnects >= 3, 20_000, 'three reconnect attempts');
      expect(u.status().reconnectDelayMs).toBeGreaterThanOrEqual(400 * 0.8);
    } finally {
      await u.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
