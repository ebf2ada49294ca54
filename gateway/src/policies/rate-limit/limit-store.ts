import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { SecurityConfig, LimitConfig } from '../../config/security-schema.ts';
import { stateChangeLog } from '../../observability/state-change-log.ts';
import type { SecurityMetrics } from '../authenticate/security-metrics.ts';
import { createWindowCounts, type Carry, type WindowCounts } from './window-counts.ts';

/**
 * Builds one rate-limiter-flexible limiter per policy, all on one store chosen here. With Redis the
 * counters are shared by every replica (one atomic Lua INCR per request: N replicas admit exactly the
 * plan's limit). When Redis is down or slower than `storeTimeoutMs`, the configured behaviour:
 * `fail-open` counts per replica in memory, continuing each key's window from the count Redis last
 * gave and writing what it counted back once Redis answers again (window-counts.ts), so an outage
 * neither restarts a partner's window nor loses what it used; `fail-closed` lets the error through
 * (-> 503).
 */
export interface LimitPolicy {
  name: string;
  points: number;
  windowSeconds: number;
  /** Resolves with the RateLimiterRes of an admitted request; rejects with one when refused, or an Error when the store failed. */
  consume(key: string): Promise<RateLimiterRes>;
}

export class StoreTimeoutError extends Error {
  constructor(ms: number) {
    super(`rate-limit store did not answer within ${ms} ms`);
    this.name = this.constructor.name;
  }
}

/**
 * A deadline that event-loop lag cannot trip: when the timer fires, the verdict waits one
 * setImmediate, so a Redis reply already sitting in the socket (poll phase) wins. Without this a
 * busy replica times out answered commands and, failing open, admits more than the plan.
 */
function withDeadline<T>(operation: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => setImmediate(() => reject(new StoreTimeoutError(ms))), ms);
    operation.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

export interface LimitStoreOptions {
  rateLimit: SecurityConfig['rateLimit'];
  redis?: Redis | undefined;
  logger: Logger;
  metrics: SecurityMetrics;
  /** In-memory limiters kept across rebuilds (config reloads), so a reload does not reset budgets. */
  memoryLimiters?: Map<string, RateLimiterMemory>;
  /** The Redis store's per-key windows, kept across rebuilds for the same reason (by policy). */
  windowCounts?: Map<string, WindowCounts>;
  /** Epoch ms; injected so tests can move time. */
  now?: () => number;
}

export interface LimitStore {
  kind: 'memory' | 'redis';
  /** A policy's limiter; its `consume` counts and logs store failures itself, whichever the behaviour. */
  policy(name: string, limit: LimitConfig): LimitPolicy;
}

/**
 * Writes back what a replica counted in memory while Redis was unavailable, and counts this
 * request, atomically. KEYS[1] the counter (rate-limiter-flexible's key); ARGV: this request's
 * points, the points counted in memory, the count Redis last answered before them (`base`), and the
 * ms left in the window they were counted in.
 *
 * - The key holds at least `base`: Redis kept the window the memory count continued from (the
 *   outage was this replica's, or short): add what it missed. Other replicas' counts meanwhile are
 *   already in it, so the sum is exact.
 * - Otherwise Redis lost it (restarted empty, or the key was evicted), and whatever it holds was
 *   counted since by replicas that never failed over: continue the window the memory count was in
 *   with `base` + memory + that, ending when that window ends, not a full window from now.
 *
 * Returns { consumed, ms left }, the shape of rate-limiter-flexible's own script.
 */
const CARRY = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
local add = tonumber(ARGV[1]) + tonumber(ARGV[2])
local base = tonumber(ARGV[3])
if ttl > 0 and current >= base then
  return {redis.call('INCRBY', KEYS[1], add), ttl}
end
local total = base + current + add
local ms = tonumber(ARGV[4])
if ttl > 0 and ttl < ms then ms = ttl end
redis.call('SET', KEYS[1], total, 'PX', ms)
return {total, ms}`;

function limiterRes(points: number, consumed: number, msBeforeNext: number): RateLimiterRes {
  return new RateLimiterRes(Math.max(points - consumed, 0), msBeforeNext, consumed);
}

export function createLimitStore(options: LimitStoreOptions): LimitStore {
  const { rateLimit, redis, logger, metrics } = options;
  const now = options.now ?? Date.now;
  if (rateLimit.store === 'redis' && !redis)
    throw new Error('security.rateLimit.store is "redis" but the gateway has no Redis (set REDIS_URL)');
  const kind = rateLimit.store === 'memory' || !redis ? 'memory' : 'redis';
  const failOpen = rateLimit.onStoreDown === 'fail-open';
  // One line when the store goes and one when it is back, whatever the request rate; every failed
  // call is counted in concord_rate_limit_store_failures_total.
  const state = stateChangeLog({
    logger,
    fields: { dependency: 'redis', component: 'rate-limit', behaviour: rateLimit.onStoreDown },
    downMessage: failOpen
      ? 'rate-limit store (Redis) unavailable; limiting per replica in memory, continuing from the last counts Redis gave'
      : 'rate-limit store (Redis) unavailable; answering 503 (onStoreDown: fail-closed)',
    upMessage: 'rate-limit store (Redis) available again; shared limits resumed',
  });
  const failed = (err: unknown) => {
    metrics.rateLimitStoreFailures.inc({ behaviour: rateLimit.onStoreDown });
    state.down(err);
  };

  return {
    kind,
    policy(name, limit) {
      const base = { points: limit.points, duration: limit.windowSeconds, keyPrefix: `${rateLimit.keyPrefix}:${name}` };
      if (kind === 'memory' || !redis) {
        const cacheKey = `${base.keyPrefix}|${base.points}|${base.duration}`;
        let memory = options.memoryLimiters?.get(cacheKey);
        if (!memory) {
          memory = new RateLimiterMemory(base);
          options.memoryLimiters?.set(cacheKey, memory);
        }
        const limiter = memory;
        return { name, points: limit.points, windowSeconds: limit.windowSeconds, consume: (key) => limiter.consume(key) };
      }
      const shared = new RateLimiterRedis({
        ...base,
        storeClient: redis,
        // Redis not connected: fail over at once instead of queueing behind reconnect attempts.
        rejectIfRedisNotReady: true,
        // Once this replica has seen the key used up, answer 429 locally until the window ends.
        inMemoryBlockOnConsumed: limit.points,
      });
      const cacheKey = `${base.keyPrefix}|${base.points}|${base.duration}`;
      let windows = options.windowCounts?.get(cacheKey);
      if (!windows) {
        windows = createWindowCounts();
        options.windowCounts?.set(cacheKey, windows);
      }
      const counts = windows;
      const windowMs = limit.windowSeconds * 1000;
      const timeoutMs = rateLimit.storeTimeoutMs;

      /** Redis's answer for the key: the carry script when memory counted points for it, else the plain consume. */
      const askRedis = async (key: string, carry: Carry | undefined): Promise<RateLimiterRes> => {
        if (!carry) return shared.consume(key);
        if (redis.status !== 'ready') throw new Error('Redis connection is not ready');
        const [consumed, ms] = (await redis.eval(
          CARRY,
          1,
          shared.getKey(key),
          '1',
          String(carry.points),
          String(carry.base),
          String(Math.max(1, Math.ceil(carry.msLeft))),
        )) as [number, number];
        const res = limiterRes(limit.points, consumed, ms);
        if (consumed > limit.points) throw res;
        return res;
      };

      return {
        name,
        points: limit.points,
        windowSeconds: limit.windowSeconds,
        async consume(key) {
          const carry = counts.takeCarry(key, now());
          try {
            const res = await withDeadline(askRedis(key, carry), timeoutMs);
            counts.seen(key, res.consumedPoints, res.msBeforeNext, now());
            state.up();
            return res;
          } catch (err) {
            if (err instanceof RateLimiterRes) {
              // consumedPoints 0: refused by the local block (inMemoryBlockOnConsumed), not by Redis.
              if (err.consumedPoints > 0) {
                counts.seen(key, err.consumedPoints, err.msBeforeNext, now());
                state.up();
              }
              throw err;
            }
            // Redis failed or did not answer in time (a hung connection counts as down). If it did
            // apply the call late, the points are counted twice: the error is on the strict side.
            if (carry) counts.giveBack(key, carry, now());
            failed(err);
            if (!failOpen) throw err;
            const window = counts.consume(key, 1, windowMs, now());
            const res = limiterRes(limit.points, window.consumed, window.resetAt - now());
            if (window.consumed > limit.points) throw res;
            return res;
          }
        },
      };
    },
  };
}
