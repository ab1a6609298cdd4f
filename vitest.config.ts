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
        },
      },
      {
        test: {
          name: 'interop',
          include: ['test/interop/**/*.test.ts', 'test/conformance/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/interop/global-setup.ts'],
          // The peers are shared devices with state; files run one after another so a test
          // never sees another file's half-done change. The machine has two cores anyway.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
