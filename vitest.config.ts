import { defineConfig } from 'vitest/config';

/**
 * Three projects (the third, k8s, runs the engine tests on a Kubernetes cluster, test/k8s/): fast unit tests of the pure layers next to the code, and tests on a real
 * engine with real toolchains under test/. Engine tests run one file at a time: they share
 * one Docker daemon and a 2-core machine, and timings (OOM, timeouts) need the headroom.
 */
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts'], environment: 'node', sequence: { groupOrder: 0 } } },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          // The Kubernetes group needs a cluster (scripts/setup-k8s.sh) and runs as its own project.
          exclude: ['test/k8s/**'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 600_000,
          fileParallelism: false,
          // In CI an engine test that fails is run once more; test/flaky-reporter.ts names every
          // test that needed it, so noise on a shared 2-core machine is seen, never hidden.
          retry: process.env.CI === 'true' ? 1 : 0,
          // One group after another: engine tests never share the 2 cores with the cluster's.
          sequence: { groupOrder: 1 },
          globalSetup: ['test/global-setup.ts'],
          // The suite drives the direct path, also where a test passes its own environment on;
          // test/integration/agent.test.ts turns the warm agent on for its runs.
          env: { GOBOX_AGENT: 'off' },
        },
      },
      {
        test: {
          name: 'k8s',
          include: ['test/k8s/**/*.test.ts'],
          environment: 'node',
          testTimeout: 240_000,
          hookTimeout: 600_000,
          fileParallelism: false,
          retry: process.env.CI === 'true' ? 1 : 0,
          sequence: { groupOrder: 2 },
          globalSetup: ['test/k8s/cluster-setup.ts'],
          env: { GOBOX_AGENT: 'off' },
        },
      },
    ],
  },
});
