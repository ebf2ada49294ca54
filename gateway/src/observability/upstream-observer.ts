import { context as otelContext, type Context } from '@opentelemetry/api';
import type { UpstreamObserver } from '../upstream/resilient-upstream.ts';
import type { UpstreamRequest } from '../upstream/upstream-call.ts';
import type { GatewayMetrics } from './metrics.ts';

/**
 * Connects the resilient upstream to metrics and to the request's access-log stats: attempts,
 * retries, what stopped retries, circuit state and rejections, upstream latency.
 */
export function upstreamObserver(metrics: GatewayMetrics): UpstreamObserver {
  return {
    attempt: (e) =>
      metrics.upstreamAttempts.inc({ upstream: e.upstream, outcome: e.status !== undefined ? String(e.status) : (e.failure ?? 'other') }),
    retry: (e) => metrics.retries.inc({ upstream: e.upstream, operation: e.operationId, reason: e.reason }),
    retryStopped: (e) => metrics.retriesStopped.inc({ upstream: e.upstream, reason: e.stop }),
    circuitRejected: (e) => {
      metrics.circuitRejections.inc({ upstream: e.upstream });
      if (e.scope === 'partner') metrics.partnerCircuitRejections.inc({ upstream: e.upstream, partner: e.partner });
      const stats = e.request.stats;
      if (stats) stats.circuitOpen = true;
    },
    circuitStateChanged: (upstream, state) => {
      metrics.setCircuitState(upstream, state);
      metrics.circuitTransitions.inc({ upstream, to: state });
    },
    partnerCircuitStateChanged: (upstream, partner, state) => {
      metrics.setPartnerCircuitState(upstream, partner, state);
      metrics.partnerCircuitTransitions.inc({ upstream, partner, to: state });
    },
    completed: (e) => {
      metrics.upstreamDuration.observe(
        { upstream: e.upstream, operation: e.operationId, status: e.status !== undefined ? String(e.status) : 'error' },
        e.upstreamMs / 1000,
      );
      const stats = e.request.stats;
      if (stats) {
        stats.attempts += e.attempts;
        stats.upstreamMs = (stats.upstreamMs ?? 0) + e.upstreamMs;
      }
    },
  };
}

/** The parent of upstream attempt spans: the request's server span, when there is one. */
export function requestSpanContext(request: UpstreamRequest): Context {
  return request.stats?.spanContext ?? otelContext.active();
}
