import { defineConfig } from 'vitest/config';

// The gateway's own config, so vitest run here does not pick up the repository root's projects list.
export default defineConfig({ test: {} });
