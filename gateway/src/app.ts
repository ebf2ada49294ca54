/**
 * buildGateway(config, deps): the whole gateway for one config, assembled once. Pure: it opens no
 * listener and reads no environment, so every test builds one and calls `app.request()`, and a
 * config reload builds a new one and swaps it in (main.ts) while the old one finishes its requests.
 *
 * It reads top to bottom as the request travels: the shared parts are built first, then the
 * gateway's own endpoints, then every step of the contract pipeline in order, then the upstream call.
 * docs/architecture.md walks through the same steps.
 */
import { Hono } from 'hono';
import { VERSION_ADAPTERS } from './adapters/index.ts';
import { applySecurityEnv } from './config/security-schema.ts';
import type { GatewayConfig } from './config/schema.ts';
import type { GatewayDeps } from './deps.ts';
import { createGatewayFactory, type GatewayEnv } from './env.ts';
import { createIdentity } from './identity.ts';
import { healthHandlers } from './observability/health.ts';
import { accessLogger } from './observability/logger.ts';
import { publishApiLifecycle } from './observability/lifecycle-metrics.ts';
import { gatewayMetrics } from './observability/metrics.ts';
import { createLiveMap } from './map/live-map.ts';
import { metricsHandler } from './observability/metrics-endpoint.ts';
import { gatewayTracer } from './observability/tracing.ts';
import { requestSpanContext, upstreamObserver } from './observability/upstream-observer.ts';
import type { BuiltInIssuer } from './partners/built-in-issuer.ts';
import type { PartnerRegistry } from './partners/partner-registry.ts';
import { startupBanner } from './partners/startup-banner.ts';
import { trustedProxies } from './listener/trusted-proxies.ts';
import { accessLog } from './policies/access-log/index.ts';
import { authenticatePolicy, securityMetrics } from './policies/authenticate/index.ts';
import { assertRoutesSecured, authorizePolicy } from './policies/authorize/index.ts';
import { readRequestBody } from './policies/body-limit/index.ts';
import { cors } from './policies/cors/index.ts';
import { createIdempotencyStore, declaresIdempotencyKey, idempotency } from './policies/idempotency/index.ts';
import { rateLimitPolicy } from './policies/rate-limit/index.ts';
import { requestContext } from './policies/request-context/index.ts';
import { requestHygiene } from './policies/request-hygiene/index.ts';
import { routeMatch } from './policies/route-match/index.ts';
import { securityHeaders } from './policies/security-headers/index.ts';
import { validateRequest } from './policies/validate-request/index.ts';
import { validateResponse } from './policies/validate-response/index.ts';
import { versionAdapter } from './policies/version-adapter/index.ts';
import { versionPolicy } from './policies/version-policy/index.ts';
import { createPortal } from './portal/index.ts';
import { createErrorHandler, createNotFoundHandler, methodNotAllowed } from './problem-response.ts';
import { compileRoutePipelines, type PipelineStep } from './route-pipeline.ts';
import type { CompiledRoute } from './route-variables.ts';
import { formatPosition } from './policies/route-match/contract-source.ts';
import { buildRouteTable, type RouteTable } from './routes.ts';
import { stateAcrossBuilds } from './state-across-builds.ts';
import { PARTNER_HEADER } from './upstream/forward-headers.ts';
import { checkHealthPath } from './upstream/health-check.ts';
import { OTHER_CALLERS } from './upstream/partner-breakers.ts';
import { proxy } from './upstream/proxy.ts';
import { rememberIn } from './upstream/circuit-breaker.ts';
import { createResilientUpstream } from './upstream/resilient-upstream.ts';
import { createUndiciUpstream } from './upstream/undici-upstream.ts';

export interface BuiltGateway {
  /** The public listener's app. */
  app: Hono<GatewayEnv>;
  /** The operator listener's app: /healthz, /readyz and the metrics path. */
  admin: Hono<GatewayEnv>;
  config: GatewayConfig;
  routes: RouteTable;
  /** The steps of a route's compiled chain, in order (route-pipeline.ts). */
  pipelineSteps(route: CompiledRoute): string[];
  partners: PartnerRegistry;
  /** The built-in token issuer; undefined with an external identity provider (AUTH_JWKS_URL). */
  issuer: BuiltInIssuer | undefined;
  /** Lines main.ts prints once listening at `origin` (the demo credentials, never in production). */
  startupBanner(origin: string): string[];
  /** Releases what this build opened (upstream pools, timers); in-flight upstream calls finish first. */
  close(): Promise<void>;
}

export function buildGateway(config: GatewayConfig, deps: GatewayDeps): BuiltGateway {
  const factory = createGatewayFactory();
  const routes = buildRouteTable(config, undefined, {
    onUnknownFormat: (contract, format) =>
      deps.logger.warn(
        { contract, format },
        `contract ${contract} uses format "${format}", which the gateway does not check: its values are checked by their type alone`,
      ),
    onUnusableResponseSchema: (contract, at, message) =>
      deps.logger.error({ contract, at: formatPosition(at) }, `${formatPosition(at)}: ${message}`),
  });
  const security = applySecurityEnv(config.security, deps.env.auth);
  // An operation the contract leaves unsecured must be public on purpose in the config, and every
  // security scheme of a contract one the gateway can check or one declared not accepted.
  assertRoutesSecured(routes.routes, { contractSchemes: security.auth.contractSchemes });
  const { resilience, observability } = config;
  const state = stateAcrossBuilds(deps);
  const metrics = gatewayMetrics(deps.metrics);
  const authMetrics = securityMetrics(deps.metrics);
  const tracer = gatewayTracer();

  // Partners, their limits, and how their tokens are issued and verified.
  const proxies = trustedProxies(config.server.trustedProxies);
  const identity = createIdentity({
    security,
    knownScopes: [...new Set(routes.routes.flatMap((route) => route.scopes))].sort(),
    proxies,
    metrics: authMetrics,
    state,
    deps,
  });
  const { partners, limiter, issuer, verification } = identity;

  // The upstream call: pooled connections, wrapped in deadline, retries and circuit breakers.
  const upstreams = createUndiciUpstream(config.upstreams, { now: deps.now, logger: deps.logger });
  for (const name of Object.keys(config.upstreams)) metrics.setCircuitState(name, 'closed');
  const resilientUpstream = createResilientUpstream(upstreams.call, {
    config: resilience,
    upstreams: Object.keys(config.upstreams),
    now: deps.now,
    tracer,
    parentContext: requestSpanContext,
    observer: upstreamObserver(metrics),
    // Breakers per partner for the partners the config knows (a bounded set); one for everyone else.
    callerOf: (request) => {
      const clientId = request.headers[PARTNER_HEADER];
      return clientId !== undefined && partners.get(clientId) ? clientId : OTHER_CALLERS;
    },
    healthCheck: (name, healthPath, timeoutMs, signal) => checkHealthPath(config.upstreams[name]!.url, healthPath, timeoutMs, signal),
    // An open breaker stays open across a reload, unless the reload moved that upstream.
    circuitMemory: (name) => rememberIn(state.circuits, `${name} ${config.upstreams[name]?.url ?? ''}`),
  });

  // The gateway's own endpoints: health, readiness and metrics for operators; the token endpoint,
  // the JWKS and the portal for partners.
  const health = healthHandlers(factory, {
    redis: deps.redis,
    upstreams: Object.fromEntries(
      Object.entries(config.upstreams).map(([name, u]) => [
        name,
        { url: u.url, healthPath: resilience.upstreams?.[name]?.healthPath ?? resilience.defaults?.healthPath },
      ]),
    ),
    timeoutMs: observability.readiness.timeoutMs,
    checkUpstreams: observability.readiness.checkUpstreams,
    listenerLoad: () => deps.listenerLoad?.() ?? { open: 0, max: Number.POSITIVE_INFINITY },
  });
  const metricsPath = observability.metrics.enabled ? observability.metrics.path : undefined;
  const liveMap = createLiveMap({
    config,
    registry: deps.metrics,
    fetch: deps.fetch,
    now: deps.now,
    production: deps.env.nodeEnv === 'production',
  });
  const operatorEndpoints = (app: Hono<GatewayEnv>) => {
    app.get('/readyz', health.readyz);
    if (metricsPath) app.get(metricsPath, metricsHandler(factory, deps.metrics));
    liveMap.mount(app);
  };
  const admin = new Hono<GatewayEnv>();
  admin.onError(createErrorHandler(deps));
  admin.notFound(createNotFoundHandler());
  admin.use('*', requestContext(factory));
  admin.get('/healthz', health.healthz);
  operatorEndpoints(admin);

  const app = new Hono<GatewayEnv>();
  app.onError(createErrorHandler(deps));
  app.notFound(createNotFoundHandler());

  // Every request, the gateway's own endpoints included: a request id and trace context first (every
  // later line, response and error carries them), then requests HTTP forbids, the headers every
  // response carries, and the access log with the request metrics.
  app.use('*', requestContext(factory));
  app.use('*', requestHygiene(factory));
  app.use('*', securityHeaders(factory));
  if (observability.accessLog.enabled) {
    const skipPaths = ['/healthz', '/readyz', observability.metrics.path];
    app.use('*', accessLog(factory, { logger: accessLogger(deps.logger), metrics, tracer, skipPaths }));
  }

  // Registered before the contract pipeline so they win. /healthz says only that the process lives;
  // what operators read stays on the admin listener, and on this one only where the config says so
  // (by default outside production).
  app.get('/healthz', health.healthz);
  const ownEndpoints: [path: string, allow: string][] = [['/healthz', 'GET, HEAD']];
  if (config.server.admin.publicOperatorEndpoints ?? deps.env.nodeEnv !== 'production') {
    operatorEndpoints(app);
    ownEndpoints.push(['/readyz', 'GET, HEAD']);
    if (metricsPath) ownEndpoints.push([metricsPath, 'GET, HEAD']);
  }
  if (issuer) {
    app.route('/', issuer.routes);
    ownEndpoints.push(['/oauth/token', 'POST'], ['/.well-known/jwks.json', 'GET, HEAD']);
  }
  // The demo credentials exist only outside production (the registry refuses them there), and are of
  // use only with the built-in issuer.
  app.route('/', createPortal({ config, demo: issuer ? partners.demo : undefined, issuesTokens: issuer !== undefined }));
  // Another method on an endpoint of the gateway's own is a 405 naming the ones it takes.
  for (const [path, allow] of ownEndpoints) app.all(path, methodNotAllowed(allow));

  // The contract pipeline, in the order a request meets it. Each route's chain is compiled from this
  // list with only the steps that have work on it (route-pipeline.ts).
  const idempotencyStore = createIdempotencyStore(resilience.idempotency, deps);
  const onError = createErrorHandler(deps);
  const pipeline: PipelineStep[] = [
    versionPolicy(factory, config.apis, deps),
    cors(factory, config.apis),
    { name: 'authenticate', handler: authenticatePolicy({ verifier: verification.verifier, metrics: authMetrics }) },
    {
      name: 'authorize',
      handler: authorizePolicy({ metrics: authMetrics, requireKnownPartner: security.auth.unknownClientPlan === undefined }),
      appliesTo: (route) => !route.public,
    },
    { name: 'rate-limit', handler: rateLimitPolicy({ limiter, proxies }) },
    {
      name: 'idempotency',
      handler: idempotency(factory, {
        config: resilience.idempotency,
        store: idempotencyStore,
        logger: deps.logger,
        metrics,
        readBody: readRequestBody,
      }),
      appliesTo: (route) => resilience.idempotency.enabled && declaresIdempotencyKey(route),
    },
    { name: 'validate-request', handler: validateRequest(factory, deps) },
    // Outside the adapter, so it checks what the client will receive.
    {
      name: 'validate-response',
      handler: validateResponse(factory, deps),
      appliesTo: (route) => route.policies.validation.response !== 'off',
    },
    {
      name: 'version-adapter',
      handler: versionAdapter(factory, VERSION_ADAPTERS),
      appliesTo: (route) => route.adapter !== undefined && Object.hasOwn(VERSION_ADAPTERS, route.adapter),
    },
  ];
  const upstreamProxy = proxy(factory, {
    upstreams: config.upstreams,
    call: resilientUpstream.call,
    metrics,
    logger: deps.logger,
    now: deps.now,
  });
  const pipelines = compileRoutePipelines(routes.routes, pipeline, upstreamProxy, onError);
  app.use('*', routeMatch(factory, routes));
  app.all('*', pipelines.handler);
  // Last, once every step has accepted the config: a build that throws leaves the dates as they were.
  publishApiLifecycle(deps.metrics, config.apis);

  let closed: Promise<void> | undefined;
  return {
    app,
    admin,
    config,
    routes,
    pipelineSteps: pipelines.stepsOf,
    partners,
    issuer,
    startupBanner: (origin) =>
      startupBanner({ config: security, partners, issuesTokens: issuer !== undefined, nodeEnv: deps.env.nodeEnv, origin }),
    close() {
      closed ??= (async () => {
        identity.close();
        liveMap.close();
        resilientUpstream.close();
        await upstreams.close();
      })();
      return closed;
    },
  };
}
