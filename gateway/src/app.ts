/**
 * buildGateway(config, deps): the whole gateway for one config, assembled once. Pure: it opens no
 * listener and reads no environment, so every test builds one and calls `app.request()`, and a
 * config reload builds a new one and swaps it in (main.ts) while the old one finishes its requests.
 *
 * The pipeline, in ARCHITECTURE.md order. Steps owned by other work are marked INSERTION POINT:
 * add your factory's middleware there with a one-line edit; nothing else needs to change.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { VERSION_ADAPTERS, versionAdapter } from './adapters/index.ts';
import type { GatewayConfig } from './config/schema.ts';
import type { GatewayDeps } from './deps.ts';
import { createGatewayFactory, type GatewayEnv } from './env.ts';
import { bodyLimit } from './policies/body-limit/index.ts';
import { cors } from './policies/cors/index.ts';
import { requestContext } from './policies/request-context/index.ts';
import { routeMatch } from './policies/route-match/index.ts';
import { validateRequest } from './policies/validate-request/index.ts';
import { validateResponse } from './policies/validate-response/index.ts';
import { versionPolicy } from './policies/version-policy/index.ts';
import { securityConfigSchema } from './config/security-schema.ts';
import { createGatewaySecurity, type GatewaySecurity } from './partners/security.ts';
import { createErrorHandler, createNotFoundHandler } from './problem-response.ts';
import { buildRouteTable, type RouteTable } from './routes.ts';
import { proxy } from './upstream/proxy.ts';
import { createPortal } from './portal/index.ts';
import { createUndiciUpstream } from './upstream/undici-upstream.ts';
import { createGatewayOperations } from './observability/gateway-operations.ts';
import type { UpstreamCall } from './upstream/upstream-call.ts';

export interface BuiltGateway {
  app: Hono<GatewayEnv>;
  config: GatewayConfig;
  routes: RouteTable;
  /** Authentication, partners, the built-in issuer and rate limits (issue 5); `startupBanner()` for main.ts. */
  security: GatewaySecurity;
  /** Releases what this build opened (upstream pools, timers); in-flight upstream calls finish first. */
  close(): Promise<void>;
}

export function buildGateway(config: GatewayConfig, deps: GatewayDeps): BuiltGateway {
  const factory = createGatewayFactory();
  const routes = buildRouteTable(config);
  const closers: (() => Promise<void> | void)[] = [];
  // Refuses, at start-up, an operation with no security requirement that is not public on purpose.
  const gatewaySecurity = createGatewaySecurity(config.security ?? securityConfigSchema.parse({}), deps, { routes: routes.routes });
  closers.push(() => gatewaySecurity.close());

  const undici = createUndiciUpstream(config.upstreams);
  closers.push(() => undici.close());
  let upstreamCall: UpstreamCall = undici.call;
  // ── INSERTION POINT: RESILIENCE (issue 6) ───────────────────────────────────────────────────
  // Wrap the upstream call (deadline, retries, circuit breaker), e.g.
  //   upstreamCall = createResilientUpstream(upstreamCall, { config: config.resilience, ... }).call;
  const operations = createGatewayOperations(factory, config, deps);
  upstreamCall = operations.wrapUpstream(upstreamCall);
  // ─────────────────────────────────────────────────────────────────────────────────────────────

  const app = new Hono<GatewayEnv>();
  app.onError(createErrorHandler(deps));
  app.notFound(createNotFoundHandler());

  // Request id + trace context first: every later line, response and error carries them.
  app.use('*', requestContext(factory));

  // ── INSERTION POINT: OBSERVABILITY (issue 6) ────────────────────────────────────────────────
  // Middleware that must see every request and response (access log, request metrics), in order.
  const observe: MiddlewareHandler<GatewayEnv>[] = [...operations.observe];
  // ─────────────────────────────────────────────────────────────────────────────────────────────
  for (const step of observe) app.use('*', step);

  // ── INSERTION POINT: GATEWAY-OWNED ENDPOINTS ────────────────────────────────────────────────
  // Routes outside the contracts, registered before the contract pipeline so they win:
  // /readyz, /metrics (issue 6), /oauth/token, /.well-known/jwks.json (issue 5: app.route('/', security.routes)).
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  operations.registerRoutes(app, { healthz: false });
  if (gatewaySecurity.routes) app.route('/', gatewaySecurity.routes);
  // The developer portal (issue 9): /docs and the contracts at /contracts/<id>.yaml, public, no token.
  app.route('/', createPortal({ config }));
  // ─────────────────────────────────────────────────────────────────────────────────────────────

  // ── INSERTION POINT: SECURITY (issue 5) ─────────────────────────────────────────────────────
  // authenticate -> authorize -> rate limit, run after the route match, version policy and CORS.
  const security: MiddlewareHandler<GatewayEnv>[] = [gatewaySecurity.authenticate, gatewaySecurity.authorize, gatewaySecurity.rateLimit];
  // ── INSERTION POINT: IDEMPOTENCY (issue 6) ──────────────────────────────────────────────────
  // Runs after security (keys are scoped per partner); readRequestBody(c) gives the body bytes.
  const idempotency: MiddlewareHandler<GatewayEnv>[] = [...operations.idempotency];
  // ─────────────────────────────────────────────────────────────────────────────────────────────

  const pipeline: MiddlewareHandler<GatewayEnv>[] = [
    routeMatch(factory, routes),
    versionPolicy(factory, config.apis, deps),
    cors(factory, config.apis),
    ...security,
    ...idempotency,
    bodyLimit(factory),
    validateRequest(factory, deps),
    // validate-response sits outside the adapter so it checks what the client will receive.
    validateResponse(factory, deps),
    versionAdapter(factory, VERSION_ADAPTERS),
  ];
  for (const step of pipeline) app.use('*', step);
  app.all('*', proxy(factory, { upstreams: config.upstreams, call: upstreamCall }));

  let closed: Promise<void> | undefined;
  return {
    app,
    config,
    routes,
    security: gatewaySecurity,
    close() {
      closed ??= Promise.all(closers.map((close) => close())).then(() => undefined);
      return closed;
    },
  };
}
