import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { stateChangeLog } from '../observability/state-change-log.ts';
import { redisConnectionLost } from '../redis-client.ts';

/**
 * Failed client authentications counted per client id, with an exponential lockout: after `failures`
 * misses in a row the id is locked for `baseMs`, doubling with every further miss up to `maxMs`; a
 * success clears it. With Redis the count and the lock are shared by every replica, so spreading
 * guesses over replicas (or source addresses: the count is per client id, not per IP) gains nothing.
 * A Redis error never locks anyone out: the request goes on unlocked, and the outage is logged once.
 */
export interface ClientLockoutOptions {
  failures: number;
  baseMs: number;
  maxMs: number;
  redis?: Redis | undefined;
  keyPrefix?: string;
  logger: Logger;
  now: () => number;
}

export interface ClientLockout {
  /** Milliseconds the id stays locked (0 when it is not), and its misses in a row. */
  status(clientId: string): Promise<{ lockedMs: number; misses: number }>;
  /** Counts a miss; the lock it starts, in ms (0 for none yet). */
  failed(clientId: string): Promise<number>;
  succeeded(clientId: string): Promise<void>;
}

function lockMs(misses: number, options: ClientLockoutOptions): number {
  if (misses < options.failures) return 0;
  return Math.min(options.maxMs, options.baseMs * 2 ** (misses - options.failures));
}

export function createClientLockout(options: ClientLockoutOptions): ClientLockout {
  const { redis, logger, now } = options;
  const prefix = options.keyPrefix ?? 'concord:lockout:';
  // Misses are forgotten this long after the last one, so a client that mistyped once last week starts afresh.
  const memoryMs = Math.max(options.maxMs * 2, 60_000);

  if (redis) {
    // One line when Redis fails and one when it answers again, not one per token request.
    const store = stateChangeLog({
      logger,
      fields: { dependency: 'redis', component: 'lockout' },
      downMessage: 'client lockout store unavailable; not locking',
      upMessage: 'client lockout store available again',
    });
    const warn = (err: unknown) => store.down(err);
    // While the connection is lost, not locking at once beats every token request waiting for a reconnect.
    const connected = () => {
      if (redisConnectionLost(redis)) throw new Error(`Redis connection is not ready (${redis.status})`);
    };
    return {
      async status(clientId) {
        try {
          connected();
          const [ttl, misses] = await Promise.all([redis.pttl(`${prefix}lock:${clientId}`), redis.get(`${prefix}misses:${clientId}`)]);
          store.up();
          return { lockedMs: Math.max(ttl, 0), misses: Number(misses ?? 0) };
        } catch (err) {
          warn(err);
          return { lockedMs: 0, misses: 0 };
        }
      },
      async failed(clientId) {
        try {
          connected();
          const misses = await redis.incr(`${prefix}misses:${clientId}`);
          await redis.pexpire(`${prefix}misses:${clientId}`, memoryMs);
          const ms = lockMs(misses, options);
          if (ms > 0) await redis.set(`${prefix}lock:${clientId}`, '1', 'PX', ms);
          return ms;
        } catch (err) {
          warn(err);
          return 0;
        }
      },
      async succeeded(clientId) {
        try {
          connected();
          await redis.del(`${prefix}misses:${clientId}`, `${prefix}lock:${clientId}`);
        } catch (err) {
          warn(err);
        }
      },
    };
  }

  const state = new Map<string, { misses: number; lockedUntil: number; forgetAt: number }>();
  const entry = (clientId: string) => {
    const found = state.get(clientId);
    if (found && found.forgetAt <= now()) state.delete(clientId);
    return state.get(clientId);
  };
  return {
    async status(clientId) {
      const found = entry(clientId);
      return found ? { lockedMs: Math.max(0, found.lockedUntil - now()), misses: found.misses } : { lockedMs: 0, misses: 0 };
    },
    async failed(clientId) {
      const found = entry(clientId) ?? { misses: 0, lockedUntil: 0, forgetAt: 0 };
      found.misses++;
      const ms = lockMs(found.misses, options);
      if (ms > 0) found.lockedUntil = now() + ms;
      found.forgetAt = now() + memoryMs;
      state.set(clientId, found);
      return ms;
    },
    async succeeded(clientId) {
      state.delete(clientId);
    },
  };
}
