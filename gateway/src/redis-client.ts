import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { stateChangeLog } from './observability/state-change-log.ts';

/**
 * The gateway's shared Redis client (REDIS_URL), with its connection reported through the gateway's
 * logger: one JSON line when the connection is lost and one when it is ready again.
 *
 * ioredis emits 'error' on every failed reconnect attempt (a few per second during an outage), and
 * with no listener it prints `[ioredis] Unhandled error event` and a stack on stderr, outside the JSON
 * logs. The listener below is what stops that; the state-change log keeps an outage to two lines.
 * What each use does while Redis is away (rate limits, idempotency) is decided and logged by it.
 */
export function createRedisClient(url: string, logger: Logger): Redis {
  // One retry per command: a caller bounded by its own timeout gets an answer or an error, rather
  // than a command parked in the offline queue through twenty reconnect attempts (the default).
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  watchRedisConnection(redis, logger);
  return redis;
}

/** Attaches the connection log to a client (also used on clients tests create). */
export function watchRedisConnection(redis: Redis, logger: Logger): void {
  const connection = stateChangeLog({
    logger,
    fields: { dependency: 'redis', component: 'connection' },
    downMessage: 'Redis connection lost; reconnecting in the background',
    upMessage: 'Redis connection ready again',
  });
  redis.on('error', (err: unknown) => connection.down(err));
  // A connection that closes without an error (the server shut down cleanly) is down too; a close
  // the gateway asked for ends with status 'end' and is not an outage.
  redis.on('reconnecting', () => connection.down(new Error('connection closed')));
  redis.on('ready', () => connection.up());
}

/**
 * The client's states in which a command would wait in ioredis's offline queue for a reconnect that
 * may be seconds away: the connection was lost. Callers on the request path fail over at once
 * instead. (While the client first connects, commands wait, bounded by the caller's own timeout, so
 * a gateway that just started does not refuse its first requests.)
 */
const CONNECTION_LOST = new Set(['reconnecting', 'close', 'end']);

export function redisConnectionLost(redis: Redis): boolean {
  return CONNECTION_LOST.has(redis.status);
}
