import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DASHBOARDS, toJson } from '../../dashboards/src/index.ts';

const jsonDir = join(import.meta.dirname, '../../dashboards/json');

describe('dashboards emit', () => {
  it('the committed JSON equals what `npm run dashboards` emits from the TypeScript sources', () => {
    expect(readdirSync(jsonDir).filter((f) => f.endsWith('.json')).sort()).toEqual(Object.keys(DASHBOARDS).sort());
    for (const [file, dashboard] of Object.entries(DASHBOARDS)) {
      expect(readFileSync(join(jsonDir, file), 'utf8'), `dashboards/json/${file} is stale: run npm run dashboards`).toBe(toJson(dashboard));
    }
  });

  it('gives every dashboard a unique uid and every panel a unique id, a grid position and the provisioned datasource', () => {
    const provisioning = readFileSync(join(import.meta.dirname, '../../dashboards/provisioning/datasources/influxdb.yaml'), 'utf8');
    const uids = Object.values(DASHBOARDS).map((d) => d.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const d of Object.values(DASHBOARDS)) {
      const ids = (d.panels ?? []).map((p) => p.id);
      expect(new Set(ids).size, d.title).toBe(ids.length);
      for (const p of d.panels ?? []) {
        expect(p.gridPos, `${d.title} / ${p.title}`).toBeDefined();
        expect(provisioning).toContain(`uid: ${p.datasource!.uid}`);
      }
    }
  });
});
