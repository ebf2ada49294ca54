import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:fast`: the unit tests beside the code in every workspace, in one vitest process, with
// no generate check, no typecheck and none of the cross-workspace suites in test/ (npm test runs all).
// Paths from this file, not the working directory: vitest in a workspace without a config of its own
// would otherwise find this one and look for the projects inside that workspace.
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
export default defineConfig({
  test: { projects: [here('./contracts'), here('./contracts/sdk'), here('./gateway'), here('./services/*/vitest.config.ts')] },
});
