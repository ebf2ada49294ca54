import { Hono } from 'hono';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Redis } from 'ioredis';
import { applySecurityEnv, securityConfigSchema, type SecurityConfigInput } from '../../config/security-schema.ts';
import { parseProcessEnv } from '../../config/env.ts';
import type { GatewayDeps } from '../../deps.ts';
import type { GatewayEnv } from '../../env.ts';
import { GatewayError } from '../../errors.ts';
import { trustedProxies } from '../../listener/trusted-proxies.ts';
import { authenticatePolicy, securityMetrics } from '../../policies/authenticate/index.ts';
import { createTokenVerification } from '../../policies/authenticate/token-verification.ts';
import { assertRoutesSecured, authorizePolicy } from '../../policies/authorize/index.ts';
import { createLimitStore, createRateLimiter, rateLimitPolicy } from '../../policies/rate-limit/index.ts';
import { tokenRequestLimit } from '../../policies/rate-limit/token-request-limit.ts';
import { createErrorHandler } from '../../problem-response.ts';
import type { CompiledRoute } from '../../route-variables.ts';
import { stateAcrossBuilds } from '../../state-across-builds.ts';
import { createBuiltInIssuer, type BuiltInIssuer } from '../built-in-issuer.ts';
import { createPartnerRegistry } from '../partner-registry.ts';
import { createClientLockout } from '../client-lockout.ts';
import { createSecretVerifier } from '../secret-verifier.ts';
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
  startupBanner(): string[];
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
  assertRoutesSecured(routes);
  // The same factories, in the same order, as buildGateway's security steps.
  const state = stateAcrossBuilds(deps);
  const authMetrics = securityMetrics(deps.metrics);
  const secrets = createSecretVerifier(security.issuer.verification);
  const partners = createPartnerRegistry(security, { nodeEnv: deps.env.nodeEnv, verifySecret: secrets.verify });
  const store = createLimitStore({
    rateLimit: security.rateLimit,
    redis: deps.redis,
    logger: deps.logger,
    metrics: authMetrics,
    memoryLimiters: state.memoryLimiters,
  });
  const limiter = createRateLimiter({ plans: partners.plans(), rateLimit: security.rateLimit, store, metrics: authMetrics });
  const proxies = trustedProxies(options.trustedProxies ?? []);
  const issuer = security.auth.jwksUrl
    ? undefined
    : createBuiltInIssuer({
        config: security,
        keyRings: state.keyRings,
        partners,
        knownScopes: [...new Set(routes.flatMap((route) => route.scopes))].sort(),
        admit: tokenRequestLimit({ limiter, proxies }),
        tokensIssued: authMetrics.tokensIssued,
        secrets,
        lockout: createClientLockout({
          failures: security.issuer.lockout.failures,
          baseMs: security.issuer.lockout.baseSeconds * 1000,
          maxMs: security.issuer.lockout.maxSeconds * 1000,
          redis: deps.redis,
          keyPrefix: `${security.rateLimit.keyPrefix}:lockout:`,
          logger: deps.logger,
          now: deps.now,
        }),
        logger: deps.logger,
        now: deps.now,
      });
  const verification = createTokenVerification({
    auth: security.auth,
    keyRing: issuer?.keyRing,
    partners,
    metrics: authMetrics,
    state,
    deps,
  });

  const app = new Hono<GatewayEnv>();
  app.onError(createErrorHandler(deps));
  if (issuer) app.route('/', issuer.routes);
  app.get('/metrics', async (c) => c.text(await metrics.metrics()));
  app.use('*', async function matchRoute(c, next) {
    const route = routes.find((r) => r.method === c.req.method && r.publicPathTemplate === c.req.path);
    if (!route) throw new GatewayError('ROUTE_NOT_FOUND', `No route for ${c.req.method} ${c.req.path}.`);
    c.set('route', route);
    await next();
  });
  app.use(
    '*',
    authenticatePolicy({ verifier: verification.verifier, metrics: authMetrics }),
    authorizePolicy({ metrics: authMetrics, requireKnownPartner: security.auth.unknownClientPlan === undefined }),
    rateLimitPolicy({ limiter, proxies }),
  );
  app.all('*', (c) => c.json({ operationId: c.get('route').operationId, clientId: c.get('principal')?.clientId ?? null }));
  return {
    app,
    metrics,
    deps,
    issuer,
    startupBanner: () =>
      startupBanner({ config: security, partners, issuesTokens: issuer !== undefined, nodeEnv: deps.env.nodeEnv, port: deps.env.port }),
    close() {
      verification.close();
      issuer?.close();
    },
  };
}
