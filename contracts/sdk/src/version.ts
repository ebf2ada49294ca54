/** Kept in step with package.json by the SDK's tests. */
export const SDK_VERSION = '0.1.0';
