export { versionPolicy, compileLifecycle } from './version-policy.ts';
