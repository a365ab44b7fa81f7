import { describe, expect, it } from 'vitest';
import { SqliteOutbox } from '../../gateway/uplink/outbox.ts';
import { outboxContract } from './outbox-contract.ts';

outboxContract('SqliteOutbox', (path, maxMessages) => new SqliteOutbox({ path, maxMessages, site: 'site-a', gateway: 'gw-1' }));

describe('SqliteOutbox after a full disk', () => {
  it('stores a message sent from memory with its envelope, and never reuses a reserved seq', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'telltale-outbox-env-'));
    try {
      const path = join(dir, 'o.sqlite');
      const o = new SqliteOutbox({ path, maxMessages: 100, site: 's', gateway: 'g' });
      const a = o.put('alert', 't/a', { alert: { id: 'a' } }, 'p')!;
      // Seqs a+1, a+2 were given out from memory; a+2 was acknowledged, a+1 was not and is stored as it was sent.
      o.reserveSeq(a.seq + 3);
      o.putStored({ seq: a.seq + 1, id: 'env-1', cls: 'alert', topic: 't/a', payload: '{"seq":2}' }, 'p');
      const b = o.put('alert', 't/a', { alert: { id: 'b' } }, 'p')!;
      expect(b.seq).toBe(a.seq + 3);
      expect(o.take(10).map((m) => [m.seq, m.id])).toEqual([[a.seq, a.id], [a.seq + 1, 'env-1'], [b.seq, b.id]]);
      expect(o.stats()).toMatchObject({ alerts: 3, nextSeq: a.seq + 4 });
      o.close();
      const again = new SqliteOutbox({ path, maxMessages: 100, site: 's', gateway: 'g' });
      expect(again.stats()).toMatchObject({ alerts: 3, nextSeq: a.seq + 4 });
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
