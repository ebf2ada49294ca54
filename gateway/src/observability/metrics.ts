import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CircuitState } from '../upstream/circuit-breaker.ts';

/**
 * The traffic and resilience metrics of one gateway, on its own Registry (never the global one),
 * served at /metrics. Idempotent per registry (`once`), like the security metrics, so every factory
 * can ask for them. Names follow Prometheus conventions: `_total` counters, `_seconds` histograms.
 *
 * Series other engineers register on the same registry (listed so /metrics can be checked as a whole):
 * - concord_rate_limit_decisions_total{policy,outcome}   rate-limit rejections are outcome="rejected"
 * - concord_auth_jwks_refresh_failures_total             failed JWKS refreshes
 * - concord_auth_jwks_refreshes_total{outcome}           JWKS refreshes (expected name)
 */
export const METRIC_NAMES = {
  requests: 'concord_http_requests_total',
  requestDuration: 'concord_http_request_duration_seconds',
  upstreamDuration: 'concord_upstream_request_duration_seconds',
  upstreamAttempts: 'concord_upstream_attempts_total',
  retries: 'concord_upstream_retries_total',
  retriesStopped: 'concord_upstream_retries_stopped_total',
  circuitState: 'concord_circuit_breaker_state',
  circuitRejections: 'concord_circuit_breaker_rejections_total',
  circuitTransitions: 'concord_circuit_breaker_transitions_total',
  partnerCircuitState: 'concord_partner_circuit_breaker_state',
  partnerCircuitRejections: 'concord_partner_circuit_breaker_rejections_total',
  partnerCircuitTransitions: 'concord_partner_circuit_breaker_transitions_total',
  idempotentReplays: 'concord_idempotent_replays_total',
  idempotencyOutcomes: 'concord_idempotency_requests_total',
  idempotencyStoreFailures: 'concord_idempotency_store_failures_total',
  responseValidationSkipped: 'concord_response_validation_skipped_total',
} as const;

/** Registered by the security work; named here so tests and dashboards have one list. */
export const PEER_METRIC_NAMES = {
  rateLimitDecisions: 'concord_rate_limit_decisions_total',
  jwksRefreshFailures: 'concord_auth_jwks_refresh_failures_total',
  jwksRefreshes: 'concord_auth_jwks_refreshes_total',
} as const;

/** Seconds; from a fast in-memory hop to a slow upstream near its deadline. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface GatewayMetrics {
  requests: Counter<'api' | 'version' | 'operation' | 'partner' | 'status'>;
  requestDuration: Histogram<'api' | 'version' | 'operation' | 'status'>;
  upstreamDuration: Histogram<'upstream' | 'operation' | 'status'>;
  upstreamAttempts: Counter<'upstream' | 'outcome'>;
  retries: Counter<'upstream' | 'operation' | 'reason'>;
  retriesStopped: Counter<'upstream' | 'reason'>;
  circuitState: Gauge<'upstream' | 'state'>;
  circuitRejections: Counter<'upstream'>;
  circuitTransitions: Counter<'upstream' | 'to'>;
  /** Per partner (configured partners plus one `(others)` series: bounded). */
  partnerCircuitState: Gauge<'upstream' | 'partner' | 'state'>;
  partnerCircuitRejections: Counter<'upstream' | 'partner'>;
  partnerCircuitTransitions: Counter<'upstream' | 'partner' | 'to'>;
  idempotentReplays: Counter<'api' | 'operation' | 'partner'>;
  idempotencyOutcomes: Counter<'api' | 'operation' | 'outcome'>;
  idempotencyStoreFailures: Counter<'behaviour'>;
  responseValidationSkipped: Counter<'api' | 'operation' | 'reason'>;
  setCircuitState(upstream: string, state: CircuitState): void;
  setPartnerCircuitState(upstream: string, partner: string, state: CircuitState): void;
}

function once<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'open', 'half-open'];

export function gatewayMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  const n = METRIC_NAMES;
  const circuitState = once(
    registry,
    n.circuitState,
    () =>
      new Gauge({
        name: n.circuitState,
        help: 'Upstream-wide circuit breaker state per upstream: 1 for the current state, 0 for the others',
        labelNames: ['upstream', 'state'] as const,
        registers,
      }),
  );
  const partnerCircuitState = once(
    registry,
    n.partnerCircuitState,
    () =>
      new Gauge({
        name: n.partnerCircuitState,
        help: 'Circuit breaker state per upstream and partner (failure statuses of that partner only): 1 for the current state, 0 for the others',
        labelNames: ['upstream', 'partner', 'state'] as const,
        registers,
      }),
  );
  return {
    requests: once(
      registry,
      n.requests,
      () =>
        new Counter({
          name: n.requests,
          help: 'Requests answered by the gateway',
          labelNames: ['api', 'version', 'operation', 'partner', 'status'] as const,
          registers,
        }),
    ),
    requestDuration: once(
      registry,
      n.requestDuration,
      () =>
        new Histogram({
          name: n.requestDuration,
          help: 'Total time from request to response headers at the gateway',
          labelNames: ['api', 'version', 'operation', 'status'] as const,
          buckets: LATENCY_BUCKETS,
          registers,
        }),
    ),
    upstreamDuration: once(
      registry,
      n.upstreamDuration,
      () =>
        new Histogram({
          name: n.upstreamDuration,
          help: 'Time spent calling the upstream, retries and backoff included',
          labelNames: ['upstream', 'operation', 'status'] as const,
          buckets: LATENCY_BUCKETS,
          registers,
        }),
    ),
    upstreamAttempts: once(
      registry,
      n.upstreamAttempts,
      () =>
        new Counter({
          name: n.upstreamAttempts,
          help: 'Upstream attempts by outcome (a status, connect or timeout)',
          labelNames: ['upstream', 'outcome'] as const,
          registers,
        }),
    ),
    retries: once(
      registry,
      n.retries,
      () =>
        new Counter({
          name: n.retries,
          help: 'Upstream retries by the reason of the failed attempt',
          labelNames: ['upstream', 'operation', 'reason'] as const,
          registers,
        }),
    ),
    retriesStopped: once(
      registry,
      n.retriesStopped,
      () =>
        new Counter({
          name: n.retriesStopped,
          help: 'Retries not made, by what stopped them (attempts, deadline, budget, circuit, retry-after)',
          labelNames: ['upstream', 'reason'] as const,
          registers,
        }),
    ),
    circuitState,
    circuitRejections: once(
      registry,
      n.circuitRejections,
      () =>
        new Counter({
          name: n.circuitRejections,
          help: "Requests answered 503 at once because a circuit was open: the upstream-wide one or the partner's own",
          labelNames: ['upstream'] as const,
          registers,
        }),
    ),
    circuitTransitions: once(
      registry,
      n.circuitTransitions,
      () =>
        new Counter({
          name: n.circuitTransitions,
          help: 'Circuit breaker state changes',
          labelNames: ['upstream', 'to'] as const,
          registers,
        }),
    ),
    partnerCircuitState,
    partnerCircuitRejections: once(
      registry,
      n.partnerCircuitRejections,
      () =>
        new Counter({
          name: n.partnerCircuitRejections,
          help: "Requests answered 503 at once because the partner's own circuit was open (also counted in concord_circuit_breaker_rejections_total)",
          labelNames: ['upstream', 'partner'] as const,
          registers,
        }),
    ),
    partnerCircuitTransitions: once(
      registry,
      n.partnerCircuitTransitions,
      () =>
        new Counter({
          name: n.partnerCircuitTransitions,
          help: 'Circuit breaker state changes per partner',
          labelNames: ['upstream', 'partner', 'to'] as const,
          registers,
        }),
    ),
    idempotentReplays: once(
      registry,
      n.idempotentReplays,
      () =>
        new Counter({
          name: n.idempotentReplays,
          help: 'Stored responses replayed for a repeated Idempotency-Key',
          labelNames: ['api', 'operation', 'partner'] as const,
          registers,
        }),
    ),
    idempotencyOutcomes: once(
      registry,
      n.idempotencyOutcomes,
      () =>
        new Counter({
          name: n.idempotencyOutcomes,
          help: 'Requests carrying an Idempotency-Key, by outcome (stored, replayed, conflict, mismatch, released, bypassed, store_unavailable)',
          labelNames: ['api', 'operation', 'outcome'] as const,
          registers,
        }),
    ),
    idempotencyStoreFailures: once(
      registry,
      n.idempotencyStoreFailures,
      () =>
        new Counter({
          name: n.idempotencyStoreFailures,
          help: 'Idempotency store calls that failed or timed out, by the configured behaviour (fail-open, fail-closed)',
          labelNames: ['behaviour'] as const,
          registers,
        }),
    ),
    responseValidationSkipped: once(
      registry,
      n.responseValidationSkipped,
      () =>
        new Counter({
          name: n.responseValidationSkipped,
          help: 'Upstream responses streamed without validation because they were larger than validation.maxValidatedBytes, by reason (content_length, body_size)',
          labelNames: ['api', 'operation', 'reason'] as const,
          registers,
        }),
    ),
    setCircuitState(upstream, state) {
      for (const s of CIRCUIT_STATES) circuitState.set({ upstream, state: s }, s === state ? 1 : 0);
    },
    setPartnerCircuitState(upstream, partner, state) {
      for (const s of CIRCUIT_STATES) partnerCircuitState.set({ upstream, partner, state: s }, s === state ? 1 : 0);
    },
  };
}
