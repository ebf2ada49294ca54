import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The CLI tests start real `concord` processes; on a loaded two-core CI machine one takes seconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
