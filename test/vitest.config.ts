import { defineConfig } from 'vitest/config';

// Consumer tests (test/contract/consumers) write pacts/; everything else, provider verification
// included, reads it. Vitest runs projects with a lower groupOrder first, so the pacts a run
// verifies are the ones that run's consumer tests wrote.
const CONSUMERS = 'contract/consumers/**/*.test.ts';
const shared = { hookTimeout: 120_000, testTimeout: 120_000 };

export default defineConfig({
  test: {
    passWithNoTests: true,
    projects: [
      { test: { ...shared, name: 'pact-consumers', include: [CONSUMERS], sequence: { groupOrder: 0 } } },
      {
        test: {
          ...shared,
          name: 'suites',
          include: ['**/*.test.ts'],
          exclude: ['**/node_modules/**', CONSUMERS],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
