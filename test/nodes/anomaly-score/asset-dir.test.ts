import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assetDirName } from '../../../nodes/anomaly-score/learning.ts';

describe('assetDirName', () => {
  it.each([
    ['pump-2', 'pump-2'],
    ['.x', '_.x'],
    ['..', '_..'],
    ['../etc', '_.._etc'],
    ['', '_'],
    ['Pumpe Nord/1', 'Pumpe_Nord_1'],
  ])('%j -> %j', (asset, dir) => expect(assetDirName(asset)).toBe(dir));

  it('never makes a hidden, empty or separator-holding name, whatever the asset is called', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (asset) => {
      const d = assetDirName(asset);
      // What a model bundle may be named (the manifest schema's plain-name rule) and what stays inside its folder.
      expect(d).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/);
    }), { numRuns: 2000 });
  });
});
