import type { MiddlewareHandler } from 'hono';
import type { Hono } from 'hono';
import type { GatewayConfig } from '../config/schema.ts';
import { observabilityConfigSchema, resilienceConfigSchema } from '../config/resilience-schema.ts';
import type { GatewayDeps } from '../deps.ts';
import type { createGatewayFactory, GatewayEnv } from '../env.ts';
import { readRequestBody } from '../policies/body-limit/read-body.ts';
import { createIdempotencyStore, idempotency, type IdempotencyStore } from '../policies/idempotency/index.ts';
import { createResilientUpstream, type ResilientUpstream } from '../upstream/resilient-upstream.ts';
import type { UpstreamCall } from '../upstream/upstream-call.ts';
import { accessLog } from './access-log.ts';
import { healthHandlers } from './health.ts';
import { accessLogger } from './logger.ts';
import { gatewayMetrics, type GatewayMetrics } from './metrics.ts';
import { metricsHandler } from './metrics-endpoint.ts';
import { gatewayTracer } from './tracing.ts';
import { requestSpanContext, upstreamObserver } from './upstream-observer.ts';

/**
 * Everything issue 6 adds to one gateway build, assembled once from its config so buildGateway
 * needs one line per insertion point: wrap the upstream call, the access-log step, the idempotency
 * step, and the operations endpoints (/readyz, /metrics).
 */
export interface GatewayOperations {
  metrics: GatewayMetrics;
  idempotencyStore: IdempotencyStore;
  /** Set once wrapUpstream ran: breakers and settings per upstream. */
  resilient: ResilientUpstream | undefined;
  wrapUpstream(call: UpstreamCall): UpstreamCall;
  observe: MiddlewareHandler<GatewayEnv>[];
  idempotency: MiddlewareHandler<GatewayEnv>[];
  /** Registers /readyz and the metrics path (and /healthz unless the app already has one). */
  registerRoutes(app: Hono<GatewayEnv>, options?: { healthz?: boolean }): void;
}

export interface GatewayOperationsOptions {
  /** [0, 1) for backoff jitter; Math.random by default. */
  random?: () => number;
}

export function createGatewayOperations(
  factory: ReturnType<typeof createGatewayFactory>,
  config: GatewayConfig,
  deps: GatewayDeps,
  options: GatewayOperationsOptions = {},
): GatewayOperations {
  const resilience = config.resilience ?? resilienceConfigSchema.parse({});
  const observability = config.observability ?? observabilityConfigSchema.parse({});
  const metrics = gatewayMetrics(deps.metrics);
  const tracer = gatewayTracer();
  const upstreamNames = Object.keys(config.upstreams);
  for (const name of upstreamNames) metrics.setCircuitState(name, 'closed');
  const idempotencyStore = createIdempotencyStore(resilience.idempotency, deps);

  const ops: GatewayOperations = {
    metrics,
    idempotencyStore,
    resilient: undefined,
    wrapUpstream(call) {
      ops.resilient = createResilientUpstream(call, {
        config: resilience,
        upstreams: upstreamNames,
        now: deps.now,
        ...(options.random ? { random: options.random } : {}),
        tracer,
        parentContext: requestSpanContext,
        observer: upstreamObserver(metrics),
      });
      return ops.resilient.call;
    },
    observe: observability.accessLog.enabled
      ? [
          accessLog(factory, {
            logger: accessLogger(deps.logger),
            metrics,
            tracer,
            skipPaths: ['/healthz', '/readyz', observability.metrics.path],
          }),
        ]
      : [],
    idempotency: [
      idempotency(factory, {
        config: resilience.idempotency,
        store: idempotencyStore,
        logger: deps.logger,
        metrics,
        readBody: readRequestBody,
      }),
    ],
    registerRoutes(app, routeOptions = {}) {
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
      });
      if (routeOptions.healthz ?? true) app.get('/healthz', health.healthz);
      app.get('/readyz', health.readyz);
      if (observability.metrics.enabled) app.get(observability.metrics.path, metricsHandler(factory, deps.metrics));
    },
  };
  return ops;
}
