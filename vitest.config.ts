import { defineConfig } from 'vitest/config';

/**
 * Two projects: fast unit tests of the pure layers next to the code, and tests on a real
 * engine with real toolchains under test/. Engine tests run one file at a time: they share
 * one Docker daemon and a 2-core machine, and timings (OOM, timeouts) need the headroom.
 */
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 600_000,
          fileParallelism: false,
          globalSetup: ['test/global-setup.ts'],
          // The suite drives the direct path, also where a test passes its own environment on;
          // test/integration/agent.test.ts turns the warm agent on for its runs.
          env: { GOBOX_AGENT: 'off' },
        },
      },
    ],
  },
});
