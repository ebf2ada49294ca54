import fc from 'fast-check';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@concord/service-runtime/src/testing/test-backends.ts';
import type { LimitConfig, SecurityConfig } from '../../config/security-schema.ts';
import { redisServerInstalled, startPrivateRedis, type PrivateRedis } from '../../testing/private-redis.ts';
import { securityMetrics } from '../authenticate/security-metrics.ts';
import { createLimitStore, type LimitPolicy } from './limit-store.ts';

/**
 * Replicas sharing limits through one private redis-server by leasing slices of each window: every
 * replica is its own limit store with its own ioredis client, as separate gateway processes are.
 * Exactness is asserted on what the stores answer (admitted or refused), never on timing.
 */
const installed = await redisServerInstalled();
if (!installed) {
  if (process.env.CONCORD_REQUIRE_SERVICES === '1')
    throw new Error('redis-server is not installed; CONCORD_REQUIRE_SERVICES=1 forbids skipping');
  console.warn('\n*** SKIPPING the leased rate-limit tests: redis-server is not installed ***\n');
}

type Outcome = 'admitted' | 'refused';

describe.runIf(installed)('leased rate limits across replicas on one Redis', () => {
  let server: PrivateRedis;
  const clients: Redis[] = [];
  let prefixes = 0;

  beforeAll(async () => {
    server = await startPrivateRedis();
  }, 30_000);
  afterAll(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await server?.stop();
  });

  async function client(): Promise<Redis> {
    const redis = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    redis.on('error', () => {});
    clients.push(redis);
    if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
    return redis;
  }

  /** `count` replicas of one policy, each its own store and Redis client, sharing a fresh key prefix. */
  async function replicas(count: number, limit: LimitConfig, onStoreDown: 'fail-open' | 'fail-closed' = 'fail-open') {
    const keyPrefix = `lease-${++prefixes}`;
    const rateLimit: SecurityConfig['rateLimit'] = {
      store: 'redis',
      keyPrefix,
      onStoreDown,
      storeTimeoutMs: 1000,
      perIp: { points: 60, windowSeconds: 60 },
      tokenEndpoint: { points: 20, windowSeconds: 60 },
    };
    const policies: LimitPolicy[] = [];
    const redis: Redis[] = [];
    for (let i = 0; i < count; i++) {
      const own = await client();
      redis.push(own);
      const store = createLimitStore({
        rateLimit,
        redis: own,
        logger: pino({ level: 'silent' }),
        metrics: securityMetrics(new Registry()),
      });
      policies.push(store.policy('plan', limit));
    }
    /** Units leased in the partner's window by every replica (admitted or still held), as Redis holds them. */
    const leased = async () => Number((await redis[0]!.hget(`${keyPrefix}:plan:lease:partner:p`, 'n')) ?? 0);
    return { policies, redis, leased };
  }

  const attempt = (policy: LimitPolicy): Promise<Outcome> =>
    policy.consume('partner:p').then(
      () => 'admitted',
      (err: unknown) => {
        if (err instanceof RateLimiterRes) return 'refused';
        throw err;
      },
    );
  const admitted = (outcomes: Outcome[]) => outcomes.filter((o) => o === 'admitted').length;

  /** Each replica sends its requests in bursts of the given sizes, all replicas at once. */
  async function burst(policies: LimitPolicy[], demand: number[][]): Promise<Outcome[][]> {
    return Promise.all(
      policies.map(async (policy, i) => {
        const outcomes: Outcome[] = [];
        for (const size of demand[i] ?? []) outcomes.push(...(await Promise.all(Array.from({ length: size }, () => attempt(policy)))));
        return outcomes;
      }),
    );
  }

  /**
   * Waits until every replica has given back what it leased ahead and did not use (they are idle),
   * then sends the refused requests again, each on a replica chosen in turn; returns all admitted.
   */
  async function settle(policies: LimitPolicy[], outcomes: Outcome[][], leased: () => Promise<number>): Promise<number> {
    const first = admitted(outcomes.flat());
    await eventually(async () => ((await leased()) === first ? true : undefined), 'unused leases to be given back');
    const refused = outcomes.flatMap((o, i) => o.filter((x) => x === 'refused').map(() => i));
    const retried: Outcome[] = [];
    for (const [n, i] of refused.entries()) retried.push(await attempt(policies[(i + n) % policies.length]!));
    return first + admitted(retried);
  }

  it('concurrent random demand on several replicas: never more than the plan, and once idle leases are back, exactly min(demand, plan)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 80 }),
        fc.array(fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 6 }), { minLength: 2, maxLength: 4 }),
        async (plan, demand) => {
          const { policies, leased } = await replicas(demand.length, { points: plan, windowSeconds: 60 });
          const outcomes = await burst(policies, demand);
          const asked = demand.flat().reduce((a, b) => a + b, 0);
          expect(admitted(outcomes.flat())).toBeLessThanOrEqual(Math.min(asked, plan));
          expect(await settle(policies, outcomes, leased)).toBe(Math.min(asked, plan));
          expect(await leased()).toBe(Math.min(asked, plan));
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);

  it('a busy partner costs Redis far less than a round trip per request', async () => {
    const { policies, redis } = await replicas(2, { points: 1_000_000_000, windowSeconds: 60 });
    const scripts = async () => Number(/cmdstat_eval:calls=(\d+)/.exec(await redis[0]!.info('commandstats'))?.[1] ?? 0);
    const before = await scripts();
    const outcomes = await burst(policies, [Array(200).fill(50), Array(200).fill(50)]);
    const calls = (await scripts()) - before;
    console.info(`20,000 requests on 2 replicas: ${calls} Redis calls`);
    expect(admitted(outcomes.flat())).toBe(20_000);
    // Slices double while demand uses them: a few dozen leases for 20,000 requests.
    expect(calls).toBeLessThan(100);
  }, 60_000);

  it('RateLimit remaining: the plan less what was admitted, less what other replicas hold unused', async () => {
    const { policies } = await replicas(2, { points: 50, windowSeconds: 60 });
    const [a, b] = policies;
    const alone: number[] = [];
    for (let i = 0; i < 10; i++) alone.push((await a!.consume('partner:p')).remainingPoints);
    // One replica using the window: exactly what is left of the plan.
    expect(alone).toEqual(Array.from({ length: 10 }, (_, i) => 49 - i));
    // Another replica counts A's unused units as used until they come back: never more than is left.
    for (let i = 0; i < 10; i++) expect((await b!.consume('partner:p')).remainingPoints).toBeLessThanOrEqual(50 - 10 - i - 1);
  }, 30_000);

  it('the last replica standing gets the whole remaining plan once the others have gone idle', async () => {
    const { policies, leased } = await replicas(3, { points: 200, windowSeconds: 60 });
    const [a, b, c] = policies;
    // A and B busy: each leases ahead of its demand.
    const early = await burst(
      [a!, b!],
      [
        [10, 10, 10],
        [10, 10],
      ],
    );
    expect(admitted(early.flat())).toBe(50);
    expect(await leased()).toBeGreaterThan(50);
    await eventually(async () => ((await leased()) === 50 ? true : undefined), 'A and B to give back what they did not use');
    // C alone: 150 left, all of them, then refused.
    const late = await burst([c!], [[40, 40, 40, 40]]);
    expect(admitted(late.flat())).toBe(150);
    expect(late.flat().slice(150)).toEqual(Array(10).fill('refused'));
  }, 60_000);

  it('window rollover: a new window gives the whole plan again, and units leased in the old one are not carried into it', async () => {
    const { policies, leased } = await replicas(2, { points: 40, windowSeconds: 4 });
    const first = await burst(policies, [
      [10, 10, 10],
      [10, 10, 10],
    ]);
    expect(admitted(first.flat())).toBeLessThanOrEqual(40);
    expect(await settle(policies, first, leased)).toBe(40);
    // The window ends when Redis expires it; the next request opens a new one.
    await eventually(async () => ((await leased()) === 0 ? true : undefined), 'the window to end', 10_000);
    const second = await burst(policies, [
      [10, 10, 10],
      [10, 10, 10],
    ]);
    expect(admitted(second.flat())).toBeLessThanOrEqual(40);
    expect(await settle(policies, second, leased)).toBe(40);
  }, 30_000);

  it('a Redis restart mid-window: replicas failing open continue from what Redis last said and write it back; one shared count again after', async () => {
    const { policies, redis, leased } = await replicas(2, { points: 40, windowSeconds: 60 });
    const before = await burst(policies, [[5, 5], [5]]);
    expect(admitted(before.flat())).toBe(15);
    await server.stop();
    await Promise.all(redis.map((r) => eventually(() => (r.status !== 'ready' ? true : undefined), 'the clients to notice')));
    // Alone, each replica admits what it holds and then counts in memory from the count it last saw.
    const during = await burst(policies, [
      [10, 10, 10],
      [10, 10, 10],
    ]);
    await server.start(); // empty
    await Promise.all(redis.map((r) => eventually(() => (r.status === 'ready' ? true : undefined), 'the clients to reconnect', 20_000)));
    const after = await burst(policies, [[5], [5]]);
    const all = admitted([...before, ...during, ...after].flat());
    console.info(
      `two replicas, plan 40/60 s, Redis restarted: before ${admitted(before.flat())}, down ${admitted(during.flat())}, back ${admitted(after.flat())}`,
    );
    // Each replica, alone, never goes past the plan from what it knew: at most two plans in all.
    expect(all).toBeLessThanOrEqual(2 * 40);
    // What they counted in memory went back into Redis: the window is full, nothing more is admitted.
    expect(admitted(after.flat())).toBe(0);
    expect(await leased()).toBeGreaterThanOrEqual(40);
  }, 60_000);

  it('fail-closed: units already leased are still admitted; past them a request fails with the store error', async () => {
    const { policies, redis } = await replicas(1, { points: 100, windowSeconds: 60 }, 'fail-closed');
    const policy = policies[0]!;
    expect(admitted(await burst([policy], [[1]]).then((o) => o.flat()))).toBe(1);
    redis[0]!.disconnect();
    const outcomes: Array<Outcome | 'error'> = [];
    for (let i = 0; i < 10; i++) outcomes.push(await attempt(policy).catch(() => 'error' as const));
    expect(outcomes.at(-1)).toBe('error');
    expect(outcomes.filter((o) => o === 'refused')).toEqual([]);
    await redis[0]!.connect();
  });
});
