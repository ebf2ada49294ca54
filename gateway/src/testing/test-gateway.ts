/** Builds a gateway for tests: a config from an object (validated like the file), silent deps. */
import pino from 'pino';
import { Registry } from 'prom-client';
import { stringify } from 'yaml';
import { buildGateway, type BuiltGateway } from '../app.ts';
import { parseProcessEnv } from '../config/env.ts';
import { parseConfig } from '../config/load-config.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { GatewayDeps } from '../deps.ts';

export function testDeps(overrides: Partial<GatewayDeps> = {}): GatewayDeps {
  return {
    env: parseProcessEnv({}),
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    metrics: new Registry(),
    now: () => Date.now(),
    fetch: globalThis.fetch,
    ...overrides,
  };
}

/**
 * The customers v1 + v2 binding of gateway.config.yaml, pointed at `customersUrl`. Operations are
 * public here so the core pipeline is tested without tokens; authentication has its own tests.
 */
export function customersConfig(customersUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    defaults: { policies: { public: true } },
    upstreams: { customers: { url: customersUrl, timeoutMs: 2000, connectTimeoutMs: 500 } },
    apis: [
      { contract: 'customers.v2', basePath: '/v2', upstream: 'customers', cors: { allowOrigins: ['https://app.example'] } },
      {
        contract: 'customers.v1',
        basePath: '/v1',
        upstream: 'customers',
        adapter: 'customers-v1-from-v2',
        lifecycle: { status: 'deprecated', deprecation: '2025-07-01', sunset: '2027-01-01', successor: 'customers.v2' },
        policies: { validation: { response: 'enforce' } },
      },
    ],
    ...extra,
  };
}

export function configFrom(object: Record<string, unknown>): GatewayConfig {
  return parseConfig(stringify(object), 'test.config.yaml');
}

export function testGateway(object: Record<string, unknown>, deps: Partial<GatewayDeps> = {}): BuiltGateway {
  return buildGateway(configFrom(object), testDeps(deps));
}
