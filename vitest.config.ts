import { defineConfig } from 'vitest/config';

// `npm run test:fast`: the unit tests beside the code in every workspace, in one vitest process, with
// no generate check, no typecheck and none of the cross-workspace suites in test/ (npm test runs all).
export default defineConfig({ test: { projects: ['contracts', 'contracts/sdk', 'gateway', 'services/*'] } });
