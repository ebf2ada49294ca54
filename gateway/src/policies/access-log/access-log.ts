import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { createGatewayFactory } from '../../env.ts';
import type { CompiledRoute } from '../../route-variables.ts';
import type { GatewayMetrics } from '../../observability/metrics.ts';
import { newRequestStats } from '../../observability/request-stats.ts';
import { gatewayTracer, startServerSpan } from '../../observability/tracing.ts';
import { requestHeader } from '../../request-headers.ts';

/**
 * The outermost step: one JSON access-log line, the request metrics and the server span per request.
 * It opens the per-request stats (context variable `requestStats`, passed to the upstream call) the upstream wrapper fills in (attempts, upstream time). Logs the
 * path without its query string and no headers, so no token or secret can reach the log.
 */
export interface AccessLogOptions {
  logger: Logger;
  metrics: GatewayMetrics;
  tracer?: Tracer;
  /** Paths not logged or counted (the operations endpoints themselves). */
  skipPaths?: readonly string[];
}

interface MetricLabels {
  requests: { api: string; version: string; operation: string; partner: string; status: string };
  duration: { api: string; version: string; operation: string; status: string };
}

export function accessLog(factory: ReturnType<typeof createGatewayFactory>, options: AccessLogOptions) {
  const { logger, metrics } = options;
  const tracer = gatewayTracer(options.tracer);
  const skip = new Set(options.skipPaths ?? ['/healthz', '/readyz', '/metrics']);
  // Label objects per route, partner and status, built once rather than twice per request.
  const unmatched = {};
  const labelCache = new WeakMap<object, Map<string, MetricLabels>>();
  function labelsFor(route: CompiledRoute | undefined, partner: string, status: number): MetricLabels {
    let byKey = labelCache.get(route ?? unmatched);
    if (!byKey) labelCache.set(route ?? unmatched, (byKey = new Map()));
    const key = `${status} ${partner}`;
    let labels = byKey.get(key);
    if (!labels) {
      const api = route?.api ?? 'none';
      const version = route?.version ?? 'none';
      const operation = route?.operationId ?? 'unmatched';
      const statusLabel = String(status);
      labels = {
        requests: { api, version, operation, partner, status: statusLabel },
        duration: { api, version, operation, status: statusLabel },
      };
      // Bounded by the routes x statuses x partners the gateway serves; a new partner adds a few entries.
      byKey.set(key, labels);
    }
    return labels;
  }

  return factory.createMiddleware(async function accessLog(c, next) {
    const path = c.req.path;
    if (skip.has(path)) return next();
    const started = performance.now();
    const method = c.req.method;
    const { span, context } = startServerSpan(tracer, method, requestHeader(c, 'traceparent'));
    const stats = newRequestStats(context);
    c.set('requestStats', stats);
    let failed = false;
    try {
      await next();
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      const totalMs = performance.now() - started;
      const status = failed ? 500 : c.res.status;
      const route = c.get('route');
      const partner = c.get('principal')?.clientId ?? 'anonymous';
      const labels = labelsFor(route, partner, status);

      metrics.requests.inc(labels.requests);
      metrics.requestDuration.observe(labels.duration, totalMs / 1000);

      // Without a tracing SDK the span is a no-op: skip building its attributes.
      if (span.isRecording()) {
        const { api, version, operation } = labels.duration;
        if (route) span.updateName(`${method} ${route.publicPathTemplate}`);
        span.setAttributes({
          'http.response.status_code': status,
          'concord.request_id': c.get('requestId') ?? '',
          'concord.operation': operation,
          'concord.partner': partner,
          'concord.upstream.attempts': stats.attempts,
          ...(route ? { 'http.route': route.publicPathTemplate, 'concord.api': api, 'concord.version': version } : {}),
        });
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();

      const line = {
        request_id: c.get('requestId'),
        trace_id: c.get('traceId'),
        method,
        path,
        status,
        partner,
        api: route?.api,
        version: route?.version,
        operation: route?.operationId,
        upstream: route?.upstream,
        upstream_ms: stats.upstreamMs === undefined ? undefined : Math.round(stats.upstreamMs * 10) / 10,
        total_ms: Math.round(totalMs * 10) / 10,
        attempts: stats.attempts,
        retries: Math.max(0, stats.attempts - 1),
        ...(stats.circuitOpen ? { circuit_open: true } : {}),
      };
      if (status >= 500) logger.warn(line, 'request');
      else logger.info(line, 'request');
    }
  });
}
