/**
 * The contract every OutboxStore passes (after MQTT.js's abstract_store test): call it from a store's test file
 * with a factory that opens the store at a path (reopening the same path must give the same contents).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutboxStore } from '../../gateway/uplink/outbox.ts';
import type { AssetSummary } from '../../gateway/uplink/summaries.ts';

export type OpenStore = (path: string, maxMessages: number) => OutboxStore;

export const summary = (asset: string, from: number, mean: number): AssetSummary => ({
  asset, from, to: from + 1000, periods: 1,
  features: { rms: { count: 10, mean, min: mean - 1, max: mean + 1 } },
  alerts: { opened: 0, updated: 0, closed: 0 },
});

export function outboxContract(name: string, open: OpenStore): void {
  describe(`${name} (outbox contract)`, () => {
    const dirs: string[] = [];
    const fresh = (max = 1000) => {
      const dir = mkdtempSync(join(tmpdir(), 'telltale-outbox-'));
      dirs.push(dir);
      const path = join(dir, 'outbox.sqlite');
      return { store: open(path, max), path };
    };
    afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

    it('assigns increasing seq and unique ids and puts them into the payload', () => {
      const { store } = fresh();
      const a = store.put('summary', 't/s', { summary: summary('p1', 0, 1) }, 'p1')!;
      const b = store.put('alert', 't/a', { alert: { kind: 'open', id: 'x', asset: 'p1', ts: 1 } }, 'p1')!;
      expect(b.seq).toBeGreaterThan(a.seq);
      expect(a.id).not.toBe(b.id);
      expect(JSON.parse(b.payload)).toMatchObject({ schemaVersion: 1, seq: b.seq, id: b.id, type: 'alert', site: 'site-a', gateway: 'gw-1' });
      store.close();
    });

    it('hands out alerts before summaries, each in seq order', () => {
      const { store } = fresh();
      store.put('summary', 's', { summary: summary('p1', 0, 1) }, 'p1');
      store.put('alert', 'a', { n: 1 });
      store.put('summary', 's', { summary: summary('p1', 1, 1) }, 'p1');
      store.put('sample', 'r', { sample: { asset: 'p1', ts: 1, values: { a: 1 } } }, 'p1');
      store.put('alert', 'a', { n: 2 });
      expect(store.take(10).map((m) => `${m.cls}:${m.seq}`)).toEqual(['alert:2', 'alert:5', 'summary:1', 'summary:3', 'sample:4']);
      store.close();
    });

    it('does not hand out a message twice while it is in flight, and again after release', () => {
      const { store } = fresh();
      for (let i = 0; i < 5; i++) store.put('alert', 'a', { n: i });
      const first = store.take(2).map((m) => m.seq);
      const second = store.take(2).map((m) => m.seq);
      expect(first).toEqual([1, 2]);
      expect(second).toEqual([3, 4]);
      store.release(1);
      expect(store.take(10).map((m) => m.seq)).toEqual([1, 5]);
      store.close();
    });

    it('deletes only acknowledged messages', () => {
      const { store } = fresh();
      for (let i = 0; i < 3; i++) store.put('alert', 'a', { n: i });
      store.take(3);
      store.ack(2);
      expect(store.size()).toBe(2);
      store.ack(2);
      expect(store.size()).toBe(2);
      store.close();
    });

    it('when full drops forwarded samples first, then drops an incoming sample rather than merge or drop anything else', () => {
      const { store } = fresh(10);
      for (let i = 0; i < 3; i++) store.put('sample', 'r', { sample: { asset: 'p1', ts: i, values: { a: i } } }, 'p1');
      for (let i = 0; i < 7; i++) store.put('summary', 's', { summary: summary('p1', i * 1000, i) }, 'p1');
      store.put('summary', 's', { summary: summary('p1', 7000, 7) }, 'p1');
      expect(store.stats()).toMatchObject({ samples: 2, summaries: 8, dropped: 1, merged: 0 });
      store.put('summary', 's', { summary: summary('p1', 8000, 8) }, 'p1');
      store.put('summary', 's', { summary: summary('p1', 9000, 9) }, 'p1');
      expect(store.stats()).toMatchObject({ samples: 0, summaries: 10, dropped: 3 });
      expect(store.put('sample', 'r', { sample: { asset: 'p1', ts: 9, values: { a: 9 } } }, 'p1')).toBeUndefined();
      expect(store.stats()).toMatchObject({ samples: 0, summaries: 10, dropped: 4 });
      store.close();
    });

    it('acknowledges several messages at once', () => {
      const { store } = fresh();
      for (let i = 0; i < 5; i++) store.put(i % 2 ? 'alert' : 'summary', 't', { summary: summary('p1', i, i) }, 'p1');
      store.take(5);
      store.ackMany([1, 2, 4, 99]);
      expect(store.stats()).toMatchObject({ alerts: 0, summaries: 2, inFlight: 2 });
      store.close();
    });

    it('keeps unacknowledged messages and the seq counter across a reopen', () => {
      const { store, path } = fresh();
      for (let i = 0; i < 3; i++) store.put('alert', 'a', { n: i });
      store.take(3);
      store.ack(1);
      store.close();
      const again = open(path, 1000);
      expect(again.take(10).map((m) => m.seq)).toEqual([2, 3]);
      expect(again.put('alert', 'a', {})?.seq).toBe(4);
      again.close();
    });

    it('when full merges old summaries per asset instead of dropping them, and never drops alerts', () => {
      const { store } = fresh(10);
      for (let i = 0; i < 4; i++) store.put('alert', 'a', { n: i });
      for (let i = 0; i < 6; i++) store.put('summary', 's', { summary: summary(i % 2 ? 'p2' : 'p1', i * 1000, i) }, i % 2 ? 'p2' : 'p1');
      store.put('summary', 's', { summary: summary('p1', 6000, 6) }, 'p1');
      store.put('alert', 'a', { n: 99 });
      const all = store.take(100);
      const alerts = all.filter((m) => m.cls === 'alert');
      const sums = all.filter((m) => m.cls === 'summary').map((m) => JSON.parse(m.payload) as { summary: AssetSummary });
      expect(alerts).toHaveLength(5);
      expect(store.size()).toBeLessThanOrEqual(11);
      // No summary data is lost: every period is still counted in some summary.
      const periods = sums.reduce((n, s) => n + s.summary.periods, 0);
      expect(periods).toBe(7);
      const p1 = sums.filter((s) => s.summary.asset === 'p1');
      const count = p1.reduce((n, s) => n + s.summary.features.rms.count, 0);
      expect(count).toBe(40);
      expect(store.stats().merged).toBeGreaterThan(0);
      expect(store.stats().dropped).toBe(0);
      store.close();
    });
  });
}
