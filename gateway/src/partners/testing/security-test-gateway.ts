import { Hono } from 'hono';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Redis } from 'ioredis';
import { problemType } from '@concord/contracts/src/problem.ts';
import { securityConfigSchema, type SecurityConfigInput } from '../../config/security-schema.ts';
import { parseProcessEnv } from '../../config/env.ts';
import type { GatewayDeps } from '../../deps.ts';
import type { GatewayEnv } from '../../env.ts';
import { GATEWAY_ERRORS, GatewayError } from '../../errors.ts';
import type { CompiledRoute } from '../../route-variables.ts';
import { createGatewaySecurity, type GatewaySecurity } from '../security.ts';

/**
 * A gateway reduced to its security steps, for the security unit and cross-process tests: a fixed
 * route table (orders-like, plus one public operation), route match -> authenticate -> authorize ->
 * rate limit -> a handler echoing the principal, and an onError writing problem+json the way the
 * real app does. The real pipeline is covered by the e2e suites through buildGateway.
 */
export function testRoute(
  init: Partial<CompiledRoute> & Pick<CompiledRoute, 'operationId' | 'method' | 'publicPathTemplate'>,
): CompiledRoute {
  const scopes = init.scopes ?? [];
  return {
    contract: 'orders.v1',
    api: 'orders',
    version: 'v1',
    pathTemplate: init.publicPathTemplate.replace(/^\/v\d+/, ''),
    upstream: 'orders',
    public: false,
    operation: {
      operationId: init.operationId,
      method: init.method.toLowerCase(),
      path: init.publicPathTemplate,
      security: init.public ? undefined : [{ oauth2: scopes }],
    },
    validator: {},
    ...init,
    scopes,
  } as unknown as CompiledRoute;
}

export const TEST_ROUTES: CompiledRoute[] = [
  testRoute({ operationId: 'listOrders', method: 'GET', publicPathTemplate: '/v1/orders', scopes: ['orders:read'] }),
  testRoute({ operationId: 'createOrder', method: 'POST', publicPathTemplate: '/v1/orders', scopes: ['orders:write'] }),
  testRoute({
    operationId: 'getStock',
    method: 'GET',
    publicPathTemplate: '/v1/stock',
    scopes: ['inventory:read'],
    api: 'inventory',
    contract: 'inventory.v1',
    upstream: 'inventory',
  }),
  testRoute({ operationId: 'getStatus', method: 'GET', publicPathTemplate: '/v1/status', public: true }),
];

export interface SecurityTestGateway {
  app: Hono<GatewayEnv>;
  security: GatewaySecurity;
  metrics: Registry;
  /** Pass as `options.deps` to build again the way a config reload does. */
  deps: GatewayDeps;
}

export function buildSecurityTestGateway(
  input: SecurityConfigInput,
  options: {
    redis?: Redis;
    env?: Record<string, string | undefined>;
    now?: () => number;
    routes?: CompiledRoute[];
    logLevel?: string;
    deps?: GatewayDeps;
  } = {},
): SecurityTestGateway {
  const routes = options.routes ?? TEST_ROUTES;
  const metrics = options.deps?.metrics ?? new Registry();
  const deps: GatewayDeps = options.deps ?? {
    env: parseProcessEnv(options.env ?? {}),
    logger: pino({ level: options.logLevel ?? 'silent' }),
    metrics,
    ...(options.redis ? { redis: options.redis } : {}),
    now: options.now ?? Date.now,
    fetch: globalThis.fetch,
  };
  const security = createGatewaySecurity(securityConfigSchema.parse(input), deps, { routes });
  const app = new Hono<GatewayEnv>();
  if (security.routes) app.route('/', security.routes);
  app.get('/metrics', async (c) => c.text(await metrics.metrics()));
  app.use('*', async function matchRoute(c, next) {
    const route = routes.find((r) => r.method === c.req.method && r.publicPathTemplate === c.req.path);
    if (!route) throw new GatewayError('ROUTE_NOT_FOUND', `No route for ${c.req.method} ${c.req.path}.`);
    c.set('route', route);
    await next();
  });
  app.use('*', security.authenticate, security.authorize, security.rateLimit);
  app.all('*', (c) => c.json({ operationId: c.get('route').operationId, clientId: c.get('principal')?.clientId ?? null }));
  app.onError((err, c) => {
    if (err instanceof GatewayError) {
      const body = {
        type: problemType(GATEWAY_ERRORS[err.code].slug),
        title: err.title ?? err.code,
        status: err.status,
        detail: err.message,
        ...err.extensions,
      };
      return c.body(JSON.stringify(body), err.status as 400, { ...err.headers, 'content-type': 'application/problem+json' });
    }
    deps.logger.error({ err }, 'unexpected error');
    return c.body(
      JSON.stringify({ type: problemType('internal'), title: 'Internal Server Error', status: 500, detail: 'unexpected' }),
      500,
      { 'content-type': 'application/problem+json' },
    );
  });
  return { app, security, metrics, deps };
}
