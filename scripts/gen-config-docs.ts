// Writes the configuration reference (generated from the schemas) between its markers in README.md.
// `--check` only reports whether README.md is up to date (exit code 1 if not), for CI.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spliceReference } from '../gateway/config/reference.ts';
import { packageRoot } from '../gateway/core/package-root.ts';

const readmePath = join(packageRoot, 'README.md');
const current = readFileSync(readmePath, 'utf8');
const next = spliceReference(current);

if (process.argv.includes('--check')) {
  if (next !== current) {
    console.error('README.md: the configuration reference is stale; run npm run docs:config');
    process.exit(1);
  }
  console.log('README.md: configuration reference is up to date');
} else if (next === current) {
  console.log('README.md: configuration reference already up to date');
} else {
  writeFileSync(readmePath, next);
  console.log('README.md: configuration reference written');
}
