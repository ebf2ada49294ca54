import { defineConfig } from 'vitest/config';

// Each test starts an embedded PostgreSQL (PGlite) and real HTTP receivers: seconds, not milliseconds.
export default defineConfig({ test: { testTimeout: 30_000, hookTimeout: 30_000 } });
