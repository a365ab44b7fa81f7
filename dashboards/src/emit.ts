/**
 * `npm run dashboards` writes dashboards/json/*.json from the TypeScript sources; `-- --check` only compares
 * and exits 1 when a committed file is stale (what the test does too).
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS, toJson } from './index.ts';

const dir = join(import.meta.dirname, '../json');
const check = process.argv.includes('--check');
let stale = 0;
for (const [file, dashboard] of Object.entries(DASHBOARDS)) {
  const path = join(dir, file);
  const json = toJson(dashboard);
  if (check) {
    if (!existsSync(path) || readFileSync(path, 'utf8') !== json) {
      console.error(`dashboards/json/${file} is stale: run npm run dashboards`);
      stale++;
    }
  } else {
    writeFileSync(path, json);
    console.log(`wrote dashboards/json/${file} (${dashboard.panels?.length ?? 0} panels)`);
  }
}
if (stale > 0) process.exitCode = 1;
