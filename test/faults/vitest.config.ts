import { defineConfig } from 'vitest/config';

// The fault suite runs only through `npm run test:faults`: its files end in .fault.ts, which the main config
// (test/**/*.test.ts) does not pick up, so `npm test` never runs them twice. Files run one at a time: they
// start and kill real servers and must not compete for the 2 cores.
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/faults/**/*.fault.ts'],
    testTimeout: 90_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    env: { ORT_DISABLE_TELEMETRY: '1' },
  },
});
