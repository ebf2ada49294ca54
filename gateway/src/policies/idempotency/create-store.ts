import type { Redis } from 'ioredis';
import type { IdempotencyConfig } from '../../config/resilience-schema.ts';
import type { IdempotencyStore } from './idempotency-store.ts';
import { createMemoryIdempotencyStore } from './memory-store.ts';
import { createRedisIdempotencyStore } from './redis-store.ts';

/** The one place the store is chosen: Redis when the gateway has one (REDIS_URL), memory otherwise. */
export function createIdempotencyStore(
  config: IdempotencyConfig,
  deps: { redis?: Redis | undefined; now: () => number },
): IdempotencyStore {
  return deps.redis
    ? createRedisIdempotencyStore({ redis: deps.redis, keyPrefix: config.keyPrefix })
    : createMemoryIdempotencyStore(deps.now);
}
