import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { GatewayProcessEnv } from './config/env.ts';
import type { ConnectionLoad } from './listener/connection-limits.ts';

/**
 * What buildGateway is given rather than creating: the process-wide resources, chosen in one place
 * (main.ts) and replaced by tests. Every pipeline factory takes the slice it needs.
 */
export interface GatewayDeps {
  /** The process environment, parsed once by main.ts (config/env.ts); nothing else reads process.env. */
  env: GatewayProcessEnv;
  logger: Logger;
  /** A prom-client Registry of this gateway (never the global default registry). */
  metrics: Registry;
  /** Shared Redis (REDIS_URL) for rate limits and idempotency records; in-memory stores when absent. */
  redis?: Redis;
  /** Epoch milliseconds; injected so tests can move time. */
  now: () => number;
  /** Injected so tests can replace the network (JWKS fetch, etc.). */
  fetch: typeof globalThis.fetch;
  /** The public listener's open and maximum connections, once it listens (readiness reads it). */
  listenerLoad?: () => ConnectionLoad;
}
