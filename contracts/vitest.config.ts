import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The partner SDK (sdk/) is a workspace of its own and runs its own tests.
    exclude: [...configDefaults.exclude, 'sdk/**'],
    // The CLI tests start real `concord` processes; on a loaded two-core CI machine one takes seconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
