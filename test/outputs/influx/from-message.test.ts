import { describe, expect, it } from 'vitest';
import { toTsdbRecords } from '../../../gateway/outputs/influx/from-message.ts';
import { toPoints } from '../../../gateway/outputs/influx/records.ts';

describe('toTsdbRecords', () => {
  it('does recognise sample batches, alerts, features with scores, and health', () => {
    const recs = toTsdbRecords([
      { device: 'plc', asset: 'p', ts: 1, values: { a: 1 }, quality: { a: { status: 'good' } } },
      { kind: 'close', id: 'al', asset: 'p', ts: 2, score: 0.1 },
      { asset: 'p', ts: 3, features: { 'a.rms': 1 }, score: 0.5, model: 'pca' },
      { metrics: { cpu: 0.2 }, ts: 4 },
    ]);
    expect(recs.map((r) => r.kind)).toEqual(['samples', 'alerts', 'features', 'scores', 'health']);
    expect(recs[1]).toMatchObject({ alertId: 'al', state: 'close', score: 0.1 });
    expect(recs[3]).toMatchObject({ score: 0.5, model: 'pca' });
  });

  it.each([
    [null, /payload must be an object, got null/],
    [{ asset: 'p', ts: 1 }, /none of values, features, score, metrics or an alert kind \(keys: asset, ts\)/],
    [{ kind: 'open', asset: 'p', ts: 1 }, /alert: payload\.id must be a string/],
    [{ asset: 7, ts: 1, values: {} }, /samples: payload\.asset must be a string, got 7/],
    [{ asset: 'p', features: {} }, /features\/score of "p": payload\.ts must be a number/],
  ])('does name the problem in %j', (payload, message) => {
    expect(() => toTsdbRecords(payload)).toThrow(message);
  });
});

describe('toTsdbRecords drift events', () => {
  it('does map drift-start and drift-end to drift records and points', () => {
    const recs = toTsdbRecords([
      { kind: 'drift-start', asset: 'pump-1', channel: 'score', statistic: 'psi', value: 0.31, limit: 0.2, ts: 10 },
      { kind: 'drift-end', asset: 'pump-1', channel: 'score', statistic: 'psi', value: 0.1, limit: 0.2, ts: 20 },
    ]);
    expect(recs).toEqual([
      { kind: 'drift', asset: 'pump-1', channel: 'score', statistic: 'psi', value: 0.31, limit: 0.2, ts: 10, state: 'start' },
      { kind: 'drift', asset: 'pump-1', channel: 'score', statistic: 'psi', value: 0.1, limit: 0.2, ts: 20, state: 'end' },
    ]);
    expect(toPoints(recs[0], { site: 's', gateway: 'g' })).toEqual([{
      measurement: 'drift', tags: { site: 's', gateway: 'g', asset: 'pump-1', channel: 'score' },
      fields: { value: 0.31, limit: 0.2, statistic: 'psi', state: 'start' }, timestamp: 10,
    }]);
  });

  it('does name the missing field of a drift event', () => {
    expect(() => toTsdbRecords({ kind: 'drift-start', asset: 'pump-1', ts: 1, value: 1 })).toThrow(/drift of "pump-1": payload\.channel must be a string/);
    expect(() => toTsdbRecords({ kind: 'drift-end', asset: 'pump-1', channel: 'score', ts: 1 })).toThrow(/drift of "pump-1" score: payload\.value must be a number/);
  });
});
