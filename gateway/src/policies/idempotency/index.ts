export { declaresIdempotencyKey, idempotency, REPLAYED_HEADER, type IdempotencyOptions } from './idempotency.ts';
export type { IdempotencyStore, StoredResponse, BeginResult } from './idempotency-store.ts';
export { createMemoryIdempotencyStore } from './memory-store.ts';
export { createRedisIdempotencyStore } from './redis-store.ts';
export { createIdempotencyStore } from './create-store.ts';
export { parseIdempotencyKey, requestFingerprint } from './fingerprint.ts';
