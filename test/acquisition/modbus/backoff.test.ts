import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../gateway/acquisition/modbus/backoff.ts';
import { RequestQueue } from '../../../gateway/acquisition/modbus/request-queue.ts';
import { groupsFromTags } from '../../../gateway/acquisition/modbus/poll-cycle.ts';
import { tag } from './fixtures.ts';

describe('Backoff', () => {
  it('doubles from initialMs up to maxMs, with half of each delay jittered', () => {
    const low = new Backoff(100, 1000, () => 0);
    const high = new Backoff(100, 1000, () => 1);
    expect(Array.from({ length: 6 }, () => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    expect(Array.from({ length: 6 }, () => high.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('starts over after reset', () => {
    const b = new Backoff(100, 1000, () => 1);
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(100);
  });
});

describe('RequestQueue', () => {
  it('runs one job at a time in order, failures included', async () => {
    const q = new RequestQueue();
    const log: string[] = [];
    let active = 0;
    const job = (name: string, fail = false) => async () => {
      active++;
      expect(active).toBe(1);
      log.push(`start ${name}`);
      await new Promise((r) => setImmediate(r));
      log.push(`end ${name}`);
      active--;
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([q.run(job('a')), q.run(job('b', true)), q.run(job('c'))]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(q.pending).toBe(0);
  });
});

describe('groupsFromTags', () => {
  it('groups by asset and interval, with the device defaults', () => {
    const groups = groupsFromTags([tag('a', 0), tag('b', 1, { asset: 'motor' }), tag('c', 2, { pollIntervalMs: 100 }), tag('d', 3)], 'pump', 1000);
    expect(groups.map((g) => [g.id, g.tags.map((t) => t.name)])).toEqual([
      ['pump@1000ms', ['a', 'd']],
      ['motor@1000ms', ['b']],
      ['pump@100ms', ['c']],
    ]);
  });
});
