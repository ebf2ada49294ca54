import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, RLWrapperTimeouts, type RateLimiterAbstract, type IRateLimiterOptions } from 'rate-limiter-flexible';
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
  limiter: RateLimiterAbstract;
}

export interface LimitStoreOptions {
  rateLimit: SecurityConfig['rateLimit'];
  redis?: Redis | undefined;
  logger: Logger;
  metrics: SecurityMetrics;
}

/** The in-memory limiter rate-limiter-flexible falls back to; counts each use as a store failure. */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(options: IRateLimiterOptions, private readonly onUse: () => void) {
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
  if (rateLimit.store === 'redis' && !redis) throw new Error('security.rateLimit.store is "redis" but the gateway has no Redis (set REDIS_URL)');
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
      if (kind === 'memory' || !redis) return { name, points: limit.points, windowSeconds: limit.windowSeconds, limiter: new RateLimiterMemory(base) };
      const shared = new RateLimiterRedis({
        ...base,
        storeClient: redis,
        rejectIfRedisNotReady: true,
        // Once this replica has seen the key used up, answer 429 locally until the window ends.
        inMemoryBlockOnConsumed: limit.points,
      });
      const limiter = new RLWrapperTimeouts({
        limiter: shared,
        timeoutMs: rateLimit.storeTimeoutMs,
        ...(rateLimit.onStoreDown === 'fail-open' ? { insuranceLimiter: new InsuranceLimiter(base, () => noteDown('fail-open')) } : {}),
      });
      return { name, points: limit.points, windowSeconds: limit.windowSeconds, limiter };
    },
  };
}
