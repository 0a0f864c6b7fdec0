import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // The app answers through a real host process on a loaded 2-core CI machine: a PIN check
    // (scrypt) can take seconds there. A poll still fails when the answer never comes.
    expect: { poll: { timeout: 15_000 } },
    pool: 'forks',
    // Tests keep the store's key beside their throwaway data folders (refused on a terminal: electron/node/keys.ts).
    env: { DESK_ALLOW_KEY_IN_DATA: '1' },
    // The renderer is built once per run for every e2e file (test/e2e/harness.ts serves it).
    globalSetup: ['./test/e2e/renderer-build.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
