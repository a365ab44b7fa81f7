// Compiles gateway/ and nodes/ to dist/ and copies the Node-RED editor files (html, icons, locales) beside them.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

const copy = (dir) => {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const src = join(dir, name);
    if (statSync(src).isDirectory()) {
      if (name === 'icons' || name === 'locales') cpSync(src, join(root, 'dist', relative(root, src)), { recursive: true });
      else copy(src);
    } else if (name.endsWith('.html') || name.endsWith('.json') || name.endsWith('.yaml')) {
      cpSync(src, join(root, 'dist', relative(root, src)));
    }
  }
};
copy(join(root, 'nodes'));
copy(join(root, 'gateway'));
