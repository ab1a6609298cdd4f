import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Stopping the interop peers (SIGTERM, then SIGKILL after 5 s) must fit in here.
    teardownTimeout: 30_000,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Timings are the benchmarks' business, never a test's: a property test of thousands of
          // runs takes 1 s on a quiet machine and more than vitest's default 5 s beside the interop
          // suite's peers on two cores, and must not fail for it. A test that hangs still fails.
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'interop',
          include: ['test/interop/**/*.test.ts', 'test/conformance/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/interop/global-setup.ts'],
          // The peers are shared devices with state; files run one after another so a test
          // never sees another file's half-done change. `npm test` runs two shards at once,
          // each with peers of its own (scripts/test.mjs).
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
