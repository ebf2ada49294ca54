import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes, type IRateLimiterOptions } from 'rate-limiter-flexible';
import type { SecurityConfig, LimitConfig } from '../../config/security-schema.ts';
import type { SecurityMetrics } from '../authenticate/security-metrics.ts';

/**
 * Builds one rate-limiter-flexible limiter per policy, all on one store chosen here. With Redis the
 * counters are shared by every replica (one atomic Lua INCR per request: N replicas admit exactly the
 * plan's limit). When Redis is down the behaviour is the configured one: `fail-open` falls back to a
 * per-replica in-memory insuranceLimiter, `fail-closed` lets the error through (-> 503).
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
}

/** The in-memory limiter rate-limiter-flexible falls back to; counts each use as a store failure. */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(
    options: IRateLimiterOptions,
    private readonly onUse: () => void,
  ) {
    super(options);
  }
  override consume(key: string | number, pointsToConsume?: number, options?: Record<string, unknown>) {
    this.onUse();
    return super.consume(key, pointsToConsume, options);
  }
}

export interface LimitStore {
  kind: 'memory' | 'redis';
  policy(name: string, limit: LimitConfig): LimitPolicy;
  /** Counts a store failure seen by the middleware (fail-closed path). */
  storeFailed(err: unknown): void;
}

export function createLimitStore(options: LimitStoreOptions): LimitStore {
  const { rateLimit, redis, logger, metrics } = options;
  if (rateLimit.store === 'redis' && !redis)
    throw new Error('security.rateLimit.store is "redis" but the gateway has no Redis (set REDIS_URL)');
  const kind = rateLimit.store === 'memory' || !redis ? 'memory' : 'redis';
  let down = false;
  const noteDown = (behaviour: string, err?: unknown) => {
    metrics.rateLimitStoreFailures.inc({ behaviour });
    if (!down) {
      down = true;
      logger.warn({ behaviour, err: err instanceof Error ? err.message : undefined }, 'rate-limit store (Redis) unavailable');
    }
  };
  const noteUp = () => {
    if (down) {
      down = false;
      logger.info('rate-limit store (Redis) available again; shared limits resumed');
    }
  };
  redis?.on('ready', noteUp);

  return {
    kind,
    storeFailed: (err) => noteDown(rateLimit.onStoreDown, err),
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
      const insurance = rateLimit.onStoreDown === 'fail-open' ? new InsuranceLimiter(base, () => noteDown('fail-open')) : undefined;
      const shared = new RateLimiterRedis({
        ...base,
        storeClient: redis,
        // Redis not connected: go straight to the insurance limiter (or reject) instead of queueing.
        rejectIfRedisNotReady: true,
        ...(insurance ? { insuranceLimiter: insurance } : {}),
        // Once this replica has seen the key used up, answer 429 locally until the window ends.
        inMemoryBlockOnConsumed: limit.points,
      });
      const timeoutMs = rateLimit.storeTimeoutMs;
      return {
        name,
        points: limit.points,
        windowSeconds: limit.windowSeconds,
        async consume(key) {
          try {
            return await withDeadline(shared.consume(key), timeoutMs);
          } catch (err) {
            // A hung (connected but silent) Redis: same configured behaviour as a down one.
            if (err instanceof StoreTimeoutError && insurance) return insurance.consume(key);
            throw err;
          }
        },
      };
    },
  };
}
