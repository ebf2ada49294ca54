import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { SecurityConfig, LimitConfig } from '../../config/security-schema.ts';
import { stateChangeLog } from '../../observability/state-change-log.ts';
import type { SecurityMetrics } from '../authenticate/security-metrics.ts';
import { createLeasingLimiter, type LeasingLimiter } from './leasing-limiter.ts';
import { createWindowCounts, type WindowCounts } from './window-counts.ts';

export { StoreTimeoutError } from './store-deadline.ts';

/** How long a key may go unused before this replica gives back the units it leased ahead. */
const IDLE_MS = 1000;

/**
 * Builds one limiter per policy, all on one store chosen here. In memory, rate-limiter-flexible's
 * RateLimiterMemory. With Redis every replica shares each partner's fixed window by leasing slices
 * of it (leasing-limiter.ts): N replicas never admit more than the plan, and a request costs a Redis
 * round trip only when its replica's slice is used up (or the window is nearly full). When Redis is
 * down or slower than `storeTimeoutMs`, the configured behaviour: `fail-open` counts per replica in
 * memory, continuing each key's window from the count Redis last gave and writing what it counted
 * back once Redis answers again (window-counts.ts), so an outage neither restarts a partner's window
 * nor loses what it used; `fail-closed` lets the error through (-> 503).
 */
export interface LimitPolicy {
  name: string;
  points: number;
  windowSeconds: number;
  /** Resolves with the RateLimiterRes of an admitted request; rejects with one when refused, or an Error when the store failed. */
  consume(key: string): Promise<RateLimiterRes>;
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
  /** Stops listening to the Redis connection (a rebuilt store listens in its place). */
  close(): void;
}

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
  const replica = randomUUID();
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
  // When the connection is back, what every policy counted in memory goes to Redis at once (see
  // LeasingLimiter.writeBack), before the window is asked for by a request.
  const leasing: LeasingLimiter[] = [];
  const writeBack = () => {
    for (const limiter of leasing) void limiter.writeBack();
  };
  if (kind === 'redis') redis?.on('ready', writeBack);

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
      const cacheKey = `${base.keyPrefix}|${base.points}|${base.duration}`;
      let windows = options.windowCounts?.get(cacheKey);
      if (!windows) {
        windows = createWindowCounts();
        options.windowCounts?.set(cacheKey, windows);
      }
      const counts = windows;
      const windowMs = limit.windowSeconds * 1000;
      const limiter = createLeasingLimiter({
        redis,
        redisKey: (key) => `${base.keyPrefix}:lease:${key}`,
        plan: limit.points,
        windowMs,
        timeoutMs: rateLimit.storeTimeoutMs,
        replica,
        counts,
        // Redis failed or did not answer in time (a hung connection counts as down).
        fallback(key, err) {
          failed(err);
          if (!failOpen) throw err;
          const window = counts.consume(key, 1, windowMs, now());
          const res = limiterRes(limit.points, window.consumed, window.resetAt - now());
          if (window.consumed > limit.points) throw res;
          return res;
        },
        up: () => state.up(),
        idleMs: Math.min(IDLE_MS, windowMs / 4),
        now,
      });
      leasing.push(limiter);
      return { name, points: limit.points, windowSeconds: limit.windowSeconds, consume: (key) => limiter.consume(key) };
    },
    close() {
      redis?.off('ready', writeBack);
    },
  };
}
