import type { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { stringify } from 'yaml';
import { buildGateway, type BuiltGateway } from '@concord/gateway/src/app.ts';
import { parseProcessEnv } from '@concord/gateway/src/config/env.ts';
import { parseConfig } from '@concord/gateway/src/config/load-config.ts';

/**
 * The real gateway (buildGateway: the whole pipeline) in front of the orders stand-in, with
 * resilience settings small enough for a test: a short cool-down, few calls to open the breaker.
 * Operations are public so these suites need no tokens (authentication has its own suites).
 */
export interface ReliabilityGateway extends BuiltGateway {
  metrics: Registry;
  request(path: string, init?: RequestInit): Promise<Response>;
}

export interface ReliabilityOptions {
  ordersUrl: string;
  resilience?: Record<string, unknown>;
  redis?: Redis;
  /** Rate-limit key prefix in Redis (unique per test). */
  keyPrefix?: string;
  /** false: operations need a partner token (the security block applies). Default true. */
  publicOperations?: boolean;
  /** Merged into the security block. */
  security?: Record<string, unknown>;
  logger?: Logger;
}

export function reliabilityGateway(options: ReliabilityOptions): ReliabilityGateway {
  const config = parseConfig(
    stringify({
      defaults: { policies: { public: options.publicOperations ?? true } },
      upstreams: { orders: { url: options.ordersUrl, timeoutMs: 3000, connectTimeoutMs: 500 } },
      apis: [{ contract: 'orders.v1', basePath: '/v1', upstream: 'orders' }],
      security: {
        plans: { demo: { rateLimit: { points: 100_000, windowSeconds: 60 } } },
        rateLimit: { perIp: { points: 100_000, windowSeconds: 60 }, ...(options.keyPrefix ? { keyPrefix: `${options.keyPrefix}rl` } : {}) },
        ...options.security,
      },
      resilience: options.resilience ?? {},
    }),
    'reliability.config.yaml',
  );
  const metrics = new Registry();
  const built = buildGateway(config, {
    env: parseProcessEnv({}),
    logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    metrics,
    ...(options.redis ? { redis: options.redis } : {}),
    now: Date.now,
    fetch: globalThis.fetch,
  });
  return { ...built, metrics, request: (path, init) => Promise.resolve(built.app.request(path, init)) };
}

export const ORDER = { customer_id: 'cus_4f9a2b7c1d8e', lines: [{ sku: 'TEA-EARLGREY-250', quantity: 2 }] };

export function postOrder(
  gateway: ReliabilityGateway,
  body: unknown,
  key?: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return gateway.request('/v1/orders', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}), ...headers },
    body: JSON.stringify(body),
  });
}
