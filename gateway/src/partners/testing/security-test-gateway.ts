import { Hono } from 'hono';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Redis } from 'ioredis';
import { applySecurityEnv, securityConfigSchema, type SecurityConfigInput } from '../../config/security-schema.ts';
import { parseProcessEnv } from '../../config/env.ts';
import type { GatewayDeps } from '../../deps.ts';
import type { GatewayEnv } from '../../env.ts';
import { GatewayError } from '../../errors.ts';
import { createIdentity } from '../../identity.ts';
import { trustedProxies } from '../../listener/trusted-proxies.ts';
import { authenticatePolicy, securityMetrics } from '../../policies/authenticate/index.ts';
import { assertRoutesSecured, authorizePolicy, type SecuritySchemes } from '../../policies/authorize/index.ts';
import { rateLimitPolicy } from '../../policies/rate-limit/index.ts';
import { createErrorHandler } from '../../problem-response.ts';
import type { CompiledRoute } from '../../route-variables.ts';
import { stateAcrossBuilds } from '../../state-across-builds.ts';
import type { UpstreamConfig } from '../../config/schema.ts';
import { createGatewayFactory } from '../../env.ts';
import { requestContext } from '../../policies/request-context/index.ts';
import { proxy } from '../../upstream/proxy.ts';
import type { UpstreamCall } from '../../upstream/upstream-call.ts';
import type { BuiltInIssuer } from '../built-in-issuer.ts';
import { startupBanner } from '../startup-banner.ts';

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
    policies: { validation: { request: 'off', response: 'off' }, timeoutMs: undefined, bodyLimitBytes: 1024 * 1024, public: !!init.public },
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
  metrics: Registry;
  issuer: BuiltInIssuer | undefined;
  startupBanner(origin: string): string[];
  close(): void;
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
    /** The routes' contracts' `components.securitySchemes` (default: the generated contracts'). */
    securitySchemes?: (contract: string) => SecuritySchemes | undefined;
    /** Proxy to real upstreams through the gateway's proxy step, instead of echoing the principal. */
    upstream?: { upstreams: Record<string, UpstreamConfig>; call: UpstreamCall };
    /** CIDR ranges whose X-Forwarded-For is believed (server.trustedProxies). */
    trustedProxies?: string[];
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
  const security = applySecurityEnv(securityConfigSchema.parse(input), deps.env.auth);
  const securitySchemes = options.securitySchemes ? { securitySchemes: options.securitySchemes } : {};
  assertRoutesSecured(routes, { contractSchemes: security.auth.contractSchemes, ...securitySchemes });
  // What buildGateway builds its security steps from, and the same steps after it.
  const authMetrics = securityMetrics(deps.metrics);
  const proxies = trustedProxies(options.trustedProxies ?? []);
  const identity = createIdentity({
    security,
    knownScopes: [...new Set(routes.flatMap((route) => route.scopes))].sort(),
    proxies,
    metrics: authMetrics,
    state: stateAcrossBuilds(deps),
    deps,
  });
  const { partners, limiter, issuer, verification } = identity;

  const app = new Hono<GatewayEnv>();
  app.onError(createErrorHandler(deps));
  if (issuer) app.route('/', issuer.routes);
  app.get('/metrics', async (c) => c.text(await metrics.metrics()));
  const factory = createGatewayFactory();
  app.use('*', requestContext(factory));
  // Templates match one segment per parameter; enough for the test contracts.
  const patterns = routes.map((r) => ({
    route: r,
    names: [...r.publicPathTemplate.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
    regex: new RegExp(`^${r.publicPathTemplate.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '([^/]+)')}$`),
  }));
  app.use('*', async function matchRoute(c, next) {
    for (const { route, names, regex } of patterns) {
      if (route.method !== c.req.method) continue;
      const m = regex.exec(c.req.path);
      if (!m) continue;
      c.set('route', route);
      c.set('pathParams', Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])));
      return next();
    }
    throw new GatewayError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}.`);
  });
  app.use(
    '*',
    authenticatePolicy({ verifier: verification.verifier, metrics: authMetrics, ...securitySchemes }),
    authorizePolicy({ metrics: authMetrics, requireKnownPartner: security.auth.unknownClientPlan === undefined }),
    rateLimitPolicy({ limiter, proxies }),
  );
  if (options.upstream) app.all('*', proxy(factory, { ...options.upstream, logger: deps.logger, now: deps.now }));
  else app.all('*', (c) => c.json({ operationId: c.get('route').operationId, clientId: c.get('principal')?.clientId ?? null }));
  return {
    app,
    metrics,
    deps,
    issuer,
    startupBanner: (origin) =>
      startupBanner({ config: security, partners, issuesTokens: issuer !== undefined, nodeEnv: deps.env.nodeEnv, origin }),
    close: identity.close,
  };
}
