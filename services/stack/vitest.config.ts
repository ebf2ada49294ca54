import { defineConfig } from 'vitest/config';

// Each suite starts embedded PostgreSQL (PGlite, a few seconds under load) or connects to real servers.
export default defineConfig({ test: { hookTimeout: 60_000, testTimeout: 30_000 } });
