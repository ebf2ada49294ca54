import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeRealService } from '@concord/service-runtime/src/testing/real-services.ts';
import type { IdempotencyStore } from './idempotency-store.ts';
import { createMemoryIdempotencyStore } from './memory-store.ts';
import { createRedisIdempotencyStore } from './redis-store.ts';

const response = {
  status: 201,
  headers: [['content-type', 'application/json']] as [string, string][],
  body: Buffer.from('{"id":1}').toString('base64'),
};

/** The same behaviour is required of both stores. */
function storeContract(name: string, make: () => { store: IdempotencyStore; advance: (ms: number) => Promise<void> }) {
  describe(name, () => {
    it('acquires a new key once; a second begin sees it in flight, then completed', async () => {
      const { store } = make();
      const first = await store.begin('p:k1', 'fp', 60_000);
      expect(first.state).toBe('acquired');
      expect(await store.begin('p:k1', 'fp', 60_000)).toEqual({ state: 'in-flight', fingerprint: 'fp' });
      await store.complete('p:k1', (first as { token: string }).token, 'fp', response, 60_000);
      expect(await store.begin('p:k1', 'other', 60_000)).toEqual({ state: 'completed', fingerprint: 'fp', response });
    });

    it('releases only its own lock, so the key can be used again', async () => {
      const { store } = make();
      const first = await store.begin('p:k2', 'fp', 60_000);
      await store.release('p:k2', 'not-my-token');
      expect((await store.begin('p:k2', 'fp', 60_000)).state).toBe('in-flight');
      await store.release('p:k2', (first as { token: string }).token);
      expect((await store.begin('p:k2', 'fp', 60_000)).state).toBe('acquired');
    });

    it('forgets records after their TTL', async () => {
      const { store, advance } = make();
      const first = await store.begin('p:k3', 'fp', 60_000);
      await store.complete('p:k3', (first as { token: string }).token, 'fp', response, 50);
      await advance(120);
      expect((await store.begin('p:k3', 'fp', 60_000)).state).toBe('acquired');
    });

    it('lets exactly one of many concurrent begins acquire the key', async () => {
      const { store } = make();
      const results = await Promise.all(Array.from({ length: 10 }, () => store.begin('p:k4', 'fp', 60_000)));
      expect(results.filter((r) => r.state === 'acquired')).toHaveLength(1);
    });
  });
}

storeContract('memory idempotency store', () => {
  let now = 0;
  return { store: createMemoryIdempotencyStore(() => now), advance: async (ms) => void (now += ms) };
});

const redisUrl = await probeRealService('redis');
describe.skipIf(!redisUrl)('redis idempotency store', () => {
  const prefix = `test:idem:${randomUUID()}:`;
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(redisUrl!, { lazyConnect: false, maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });
  storeContract('shared by replicas', () => ({
    store: createRedisIdempotencyStore({ redis, keyPrefix: prefix }),
    advance: (ms) => new Promise((r) => setTimeout(r, ms)),
  }));

  it("lets a second replica (another client) see the first one's record", async () => {
    const other = new Redis(redisUrl!);
    try {
      const a = createRedisIdempotencyStore({ redis, keyPrefix: prefix });
      const b = createRedisIdempotencyStore({ redis: other, keyPrefix: prefix });
      const first = await a.begin('p:shared', 'fp', 60_000);
      expect((await b.begin('p:shared', 'fp', 60_000)).state).toBe('in-flight');
      await a.complete('p:shared', (first as { token: string }).token, 'fp', response, 60_000);
      expect(await b.begin('p:shared', 'fp', 60_000)).toEqual({ state: 'completed', fingerprint: 'fp', response });
    } finally {
      await other.quit();
    }
  });
});
