import { defineConfig } from 'vitest/config';

// The image suite (`npm run test:image`): builds docker/Dockerfile with podman and runs the containers against real
// peers. One file at a time, long timeouts: a build takes about a minute on 2 cores, arm64 under qemu longer.
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/image/**/*.image.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    env: { ORT_DISABLE_TELEMETRY: '1', CONTAINERS_CONF: new URL('../../scripts/image/containers.conf', import.meta.url).pathname },
  },
});
