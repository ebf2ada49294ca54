import type { MapEdge } from '@concord/contracts/src/map/integration-map.ts';
import type { MapThresholds } from '../config/map-schema.ts';
import { increase, type LabelMatch, quantile, type Sample, sum } from './metric-samples.ts';

export type HealthStatus = 'green' | 'amber' | 'red' | 'unknown';

/** What the metrics say about one edge over the window; fields that do not apply are left out. */
export interface EdgeMetrics {
  /** Requests per second. */
  requestRate?: number;
  /** Share of answers in percent, by class. */
  errorRatePercent?: { '4xx': number; '5xx': number };
  p99Seconds?: number;
  /** ISO time of the last sample in which a success was counted; null: none within the window. */
  lastSuccess?: string | null;
  circuit?: string;
  outboxBacklog?: number;
  outboxOldestAgeSeconds?: number;
  busConnected?: boolean;
  consumerPending?: number;
  deadLetterDepth?: number;
  deliveryLatencyP99Seconds?: number;
  deliveriesPerSecond?: number;
}

export interface EdgeHealth {
  status: HealthStatus;
  /** Why the edge is not green, in words: "DLQ depth 12 > 0". */
  reasons: string[];
  metrics: EdgeMetrics;
}

export interface HealthInput {
  /** The oldest sample of the window (the base of rates) and the newest (the current values). */
  from: Sample | undefined;
  to: Sample;
  /** Every sample of the window, oldest first, for the last success. */
  samples: readonly Sample[];
  thresholds: MapThresholds;
  /** Why a service's /metrics could not be read, by service. */
  scrapeErrors: ReadonlyMap<string, string>;
  /** The service whose metrics describe an end of an edge (a system API, a consumer), if any. */
  serviceOf(nodeId: string): string | undefined;
  /** The service that exposes the webhook metrics, if any answered. */
  webhooksService: string | undefined;
}

const GATEWAY = 'gateway';
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const seconds = (n: number) => (n < 1 ? `${Math.round(n * 1000)} ms` : `${round(n, 1)} s`);
const span = (ms: number) => (ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.max(1, Math.round(ms / 1000))} s`);

/** Collects the verdicts of one edge: the worst status wins, every reason is kept. */
function verdicts() {
  let status: HealthStatus = 'green';
  const reasons: string[] = [];
  const order: Record<HealthStatus, number> = { unknown: 0, green: 1, amber: 2, red: 3 };
  const raise = (level: 'amber' | 'red', reason: string) => {
    if (order[level] > order[status]) status = level;
    reasons.push(reason);
  };
  return {
    raise,
    /** `value` against a threshold; `describe(limit)` says it in words. */
    check(
      value: number | undefined,
      threshold: { amber?: number | undefined; red?: number | undefined },
      describe: (limit: number) => string,
    ) {
      if (value === undefined) return;
      if (threshold.red !== undefined && value > threshold.red) raise('red', describe(threshold.red));
      else if (threshold.amber !== undefined && value > threshold.amber) raise('amber', describe(threshold.amber));
    },
    result: (metrics: EdgeMetrics): EdgeHealth => ({ status, reasons, metrics }),
  };
}

const statusClass = (cls: string) => (status: string) => status.startsWith(cls);
const success = (status: string) => status.startsWith('2') || status.startsWith('3');

function lastSuccessAt(samples: readonly Sample[], source: string, name: string, match: LabelMatch): string | null {
  for (let i = samples.length - 1; i > 0; i--) {
    if (increase(samples[i - 1], samples[i]!, source, name, match) > 0) return new Date(samples[i]!.at).toISOString();
  }
  return null;
}

/** Traffic through the gateway: partner -> API version, and API version -> system API. */
function trafficHealth(edge: MapEdge, input: HealthInput): EdgeHealth {
  const { from, to, thresholds } = input;
  const v = verdicts();
  const contract = (edge.kind === 'calls' ? edge.to : edge.from).replace(/^api:/, '');
  const [api = contract, version = ''] = contract.split('.');
  const match: LabelMatch = { api, version, ...(edge.kind === 'calls' ? { partner: edge.from.replace(/^partner:/, '') } : {}) };
  const requests = 'concord_http_requests_total';
  const elapsed = from ? (to.at - from.at) / 1000 : 0;
  const total = increase(from, to, GATEWAY, requests, match);
  const clientErrors = increase(from, to, GATEWAY, requests, { ...match, status: statusClass('4') });
  const serverErrors = increase(from, to, GATEWAY, requests, { ...match, status: statusClass('5') });
  const metrics: EdgeMetrics = {
    requestRate: elapsed > 0 ? round(total / elapsed, 3) : 0,
    errorRatePercent: {
      '4xx': total ? round((100 * clientErrors) / total, 1) : 0,
      '5xx': total ? round((100 * serverErrors) / total, 1) : 0,
    },
    lastSuccess: lastSuccessAt(input.samples, GATEWAY, requests, { ...match, status: success }),
  };
  const p99 = quantile(0.99, from, to, GATEWAY, 'concord_http_request_duration_seconds', { api, version });
  if (p99 !== undefined) metrics.p99Seconds = round(p99, 4);
  const over = `over ${span(from ? to.at - from.at : 0)}`;
  v.check(
    metrics.errorRatePercent?.['5xx'],
    thresholds.errorRatePercent,
    (limit) => `error rate ${metrics.errorRatePercent?.['5xx']}% > ${limit}% ${over}`,
  );
  v.check(metrics.p99Seconds, thresholds.p99Seconds, (limit) => `p99 ${seconds(metrics.p99Seconds ?? 0)} > ${seconds(limit)} ${over}`);
  if (edge.kind === 'routes') {
    const upstream = edge.to.replace(/^system:/, '');
    const open = sum(to, GATEWAY, 'concord_circuit_breaker_state', { upstream, state: 'open' });
    const halfOpen = sum(to, GATEWAY, 'concord_circuit_breaker_state', { upstream, state: 'half-open' });
    metrics.circuit = open ? 'open' : halfOpen ? 'half-open' : 'closed';
    if (open) v.raise('red', `circuit breaker to ${upstream} open`);
    else if (halfOpen) v.raise('amber', `circuit breaker to ${upstream} half-open`);
  }
  return v.result(metrics);
}

/**
 * The verdict of an edge whose figures come from `service`'s /metrics, when there are none to judge:
 * no such service (unknown), or its /metrics did not answer (red, saying so).
 */
function withoutFigures(service: string | undefined, what: string, input: HealthInput): EdgeHealth | undefined {
  if (!service) return { status: 'unknown', reasons: [`no service metrics for this ${what}`], metrics: {} };
  const error = input.scrapeErrors.get(service);
  return error ? { status: 'red', reasons: [`${service} /metrics unreachable: ${error}`], metrics: {} } : undefined;
}

/** A service's outbox and bus connection: service -> event. */
function publishHealth(service: string | undefined, input: HealthInput): EdgeHealth {
  const none = withoutFigures(service, 'publisher', input);
  if (none || !service) return none ?? { status: 'unknown', reasons: [], metrics: {} };
  const v = verdicts();
  const metrics: EdgeMetrics = {};
  const { to, thresholds } = input;
  const backlog = sum(to, service, 'concord_outbox_backlog');
  const oldest = sum(to, service, 'concord_outbox_oldest_unpublished_age_seconds');
  const connected = sum(to, service, 'concord_bus_connected');
  if (backlog !== undefined) metrics.outboxBacklog = backlog;
  if (oldest !== undefined) metrics.outboxOldestAgeSeconds = round(oldest, 1);
  if (connected !== undefined) metrics.busConnected = connected > 0;
  v.check(backlog, thresholds.outboxBacklog, (limit) => `outbox backlog ${backlog} > ${limit}`);
  v.check(oldest, thresholds.outboxOldestAgeSeconds, (limit) => `oldest unpublished event ${seconds(oldest ?? 0)} old > ${seconds(limit)}`);
  if (connected === 0) v.raise('red', `${service} is not connected to the event bus`);
  return v.result(metrics);
}

/** A consumer's lag on the bus (and its event latency, where the service records it): event -> consumer. */
function consumeHealth(edge: MapEdge, service: string | undefined, input: HealthInput): EdgeHealth {
  const none = withoutFigures(service, 'consumer', input);
  if (none || !service) return none ?? { status: 'unknown', reasons: [], metrics: {} };
  const v = verdicts();
  const metrics: EdgeMetrics = {};
  const { from, to, thresholds } = input;
  const pending = sum(to, service, 'concord_bus_consumer_pending_messages');
  if (pending !== undefined) metrics.consumerPending = pending;
  const latency = quantile(0.99, from, to, service, 'concord_consumer_event_latency_seconds', { event_type: edge.eventType ?? '' });
  if (latency !== undefined) metrics.deliveryLatencyP99Seconds = round(latency, 3);
  v.check(pending, thresholds.consumerPending, (limit) => `consumer lag ${pending} messages > ${limit}`);
  v.check(
    metrics.deliveryLatencyP99Seconds,
    thresholds.deliveryLatencyP99Seconds,
    (limit) => `event latency p99 ${seconds(latency ?? 0)} > ${seconds(limit)}`,
  );
  const connected = sum(to, service, 'concord_bus_connected');
  if (connected === 0) v.raise('red', `${service} is not connected to the event bus`);
  return v.result(metrics);
}

/** Webhook delivery of one event type, to every partner or one: DLQ depth and delivery latency. */
function deliveryHealth(edge: MapEdge, input: HealthInput): EdgeHealth {
  const service = input.webhooksService;
  const none = withoutFigures(service, 'webhook delivery', input);
  if (none || !service) return none ?? { status: 'unknown', reasons: [], metrics: {} };
  const v = verdicts();
  const metrics: EdgeMetrics = {};
  const { from, to, thresholds } = input;
  const partner = edge.to.startsWith('webhooks:') ? edge.to.slice('webhooks:'.length) : undefined;
  const match: LabelMatch = { event_type: edge.eventType ?? '', ...(partner ? { partner } : {}) };
  const depth = sum(to, service, 'concord_webhooks_partner_dead_letter_depth', match) ?? 0;
  metrics.deadLetterDepth = depth;
  const elapsed = from ? (to.at - from.at) / 1000 : 0;
  const delivered = increase(from, to, service, 'concord_webhooks_deliveries_total', { outcome: 'succeeded' });
  metrics.deliveriesPerSecond = elapsed > 0 ? round(delivered / elapsed, 3) : 0;
  const latency = quantile(0.99, from, to, service, 'concord_webhooks_delivery_latency_seconds');
  if (latency !== undefined) metrics.deliveryLatencyP99Seconds = round(latency, 3);
  metrics.lastSuccess = lastSuccessAt(input.samples, service, 'concord_webhooks_deliveries_total', { outcome: 'succeeded' });
  v.check(depth, thresholds.deadLetterDepth, (limit) => `DLQ depth ${depth} > ${limit}`);
  v.check(
    metrics.deliveryLatencyP99Seconds,
    thresholds.deliveryLatencyP99Seconds,
    (limit) => `delivery latency p99 ${seconds(latency ?? 0)} > ${seconds(limit)}`,
  );
  return v.result(metrics);
}

/** The health of one edge of the map from the sampled metrics; pacts have no traffic of their own. */
export function edgeHealth(edge: MapEdge, input: HealthInput): EdgeHealth {
  switch (edge.kind) {
    case 'calls':
    case 'routes':
      return trafficHealth(edge, input);
    case 'publishes':
      return publishHealth(input.serviceOf(edge.from), input);
    case 'consumes':
      return consumeHealth(edge, input.serviceOf(edge.to), input);
    case 'delivers':
      return deliveryHealth(edge, input);
    default:
      return { status: 'unknown', reasons: [], metrics: {} };
  }
}
