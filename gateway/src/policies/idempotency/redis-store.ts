import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisConnectionLost } from '../../redis-client.ts';
import { toBeginResult, type IdempotencyStore, type StoredRecord } from './idempotency-store.ts';

/**
 * Records in Redis, shared by every replica. Each step is one atomic script, so two replicas racing
 * on the same key cannot both acquire it, and a replica only completes or releases its own lock
 * (compared by value: the in-flight JSON carries a random token).
 */
const BEGIN = `
local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`;

const COMPLETE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface RedisIdempotencyStoreOptions {
  redis: Redis;
  /** Prepended to every key (`concord:idempotency:` by default); tests use a unique one. */
  keyPrefix: string;
}

export function createRedisIdempotencyStore({ redis, keyPrefix }: RedisIdempotencyStoreOptions): IdempotencyStore {
  // The in-flight value is needed again to complete or release; kept per token, only while in flight.
  const inFlight = new Map<string, string>();
  const k = (key: string) => keyPrefix + key;
  // During an outage every keyed request learns it at once instead of after storeTimeoutMs.
  const connected = () => {
    if (redisConnectionLost(redis)) throw new Error(`Redis connection is not ready (${redis.status})`);
  };

  return {
    kind: 'redis',
    async begin(key, fingerprint, inFlightTtlMs) {
      connected();
      const token = randomUUID();
      const value = JSON.stringify({ state: 'in-flight', fingerprint, token } satisfies StoredRecord);
      const current = (await redis.eval(BEGIN, 1, k(key), value, String(inFlightTtlMs))) as string | null;
      if (current === null) {
        inFlight.set(token, value);
        return { state: 'acquired', token };
      }
      return toBeginResult(JSON.parse(current) as StoredRecord);
    },
    async complete(key, token, fingerprint, response, ttlMs) {
      const value = inFlight.get(token);
      if (value === undefined) return;
      inFlight.delete(token);
      const record = JSON.stringify({ state: 'completed', fingerprint, response } satisfies StoredRecord);
      connected();
      await redis.eval(COMPLETE, 1, k(key), value, record, String(ttlMs));
    },
    async release(key, token) {
      const value = inFlight.get(token);
      if (value === undefined) return;
      inFlight.delete(token);
      connected();
      await redis.eval(RELEASE, 1, k(key), value);
    },
  };
}
