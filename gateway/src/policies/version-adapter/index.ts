export { versionAdapter } from './version-adapter.ts';
