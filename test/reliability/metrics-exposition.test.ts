import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayMetrics, METRIC_NAMES, PEER_METRIC_NAMES } from '@concord/gateway/src/observability/metrics.ts';
import { parsePrometheusText, samplesOf, type Exposition } from './support/prometheus-text.ts';
import { startOrdersUpstream, type OrdersUpstream } from './support/orders-upstream.ts';
import { ORDER, postOrder, reliabilityGateway, type ReliabilityGateway } from './support/reliability-gateway.ts';

/**
 * Issue 6, "Done when": /metrics parses as Prometheus exposition and shows each series after a run
 * that exercised them: requests, latencies, retries, circuit state, idempotent replays; and the
 * security series registered on the same registry (rate-limit decisions, JWKS refresh failures).
 */
describe('/metrics after a run', () => {
  let orders: OrdersUpstream;
  let gw: ReliabilityGateway;
  let exposition: Exposition;
  let contentType: string | null;

  beforeAll(async () => {
    orders = await startOrdersUpstream();
    gw = reliabilityGateway({
      ordersUrl: orders.url,
      resilience: {
        defaults: { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 }, circuitBreaker: { minimumCalls: 3, openMs: 60_000 } },
      },
      security: { rateLimit: { perIp: { points: 12, windowSeconds: 60 } } },
    });
    orders.failNext(1, { status: 503 });
    await gw.request('/v1/orders/ord_0000000001'); // one retry, then 200
    await postOrder(gw, ORDER, 'metrics-key');
    await postOrder(gw, ORDER, 'metrics-key'); // replayed
    orders.failAll({ status: 503 });
    for (let i = 0; i < 4; i++) await gw.request('/v1/orders/ord_0000000002', { headers: { 'x-forwarded-for': '203.0.113.9' } });
    // past the per-IP limit of public operations: a rate-limit rejection
    for (let i = 0; i < 8; i++) await gw.request('/v1/orders/ord_0000000003');
    const res = await gw.request('/metrics');
    expect(res.status).toBe(200);
    contentType = res.headers.get('content-type');
    exposition = parsePrometheusText(await res.text());
  });
  afterAll(async () => {
    await gw?.close();
    await orders?.close();
  });

  it('is served as Prometheus text and parses line by line', () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(exposition.samples.length).toBeGreaterThan(20);
  });

  it('counts requests by api, version, operation, partner and status', () => {
    const ok = samplesOf(exposition, METRIC_NAMES.requests, {
      api: 'orders',
      version: 'v1',
      operation: 'getOrder',
      partner: 'anonymous',
      status: '200',
    });
    expect(ok[0]?.value).toBe(1);
    expect(samplesOf(exposition, METRIC_NAMES.requests, { operation: 'createOrder', status: '201' })[0]?.value).toBe(2);
    expect(exposition.types.get(METRIC_NAMES.requests)).toBe('counter');
  });

  it('has total and upstream latency histograms', () => {
    expect(exposition.types.get(METRIC_NAMES.requestDuration)).toBe('histogram');
    expect(exposition.types.get(METRIC_NAMES.upstreamDuration)).toBe('histogram');
    const buckets = samplesOf(exposition, `${METRIC_NAMES.requestDuration}_bucket`, { operation: 'getOrder', status: '200' });
    expect(buckets.find((b) => b.labels.le === '+Inf')?.value).toBe(1);
    expect(
      samplesOf(exposition, `${METRIC_NAMES.upstreamDuration}_count`, { upstream: 'orders', operation: 'createOrder' })[0]?.value,
    ).toBe(1);
  });

  it('counts retries, circuit state and rejections, and idempotent replays', () => {
    expect(
      samplesOf(exposition, METRIC_NAMES.retries, { upstream: 'orders', operation: 'getOrder', reason: '503' })[0]?.value,
    ).toBeGreaterThanOrEqual(1);
    expect(samplesOf(exposition, METRIC_NAMES.circuitState, { upstream: 'orders', state: 'open' })[0]?.value).toBe(1);
    expect(samplesOf(exposition, METRIC_NAMES.circuitState, { upstream: 'orders', state: 'closed' })[0]?.value).toBe(0);
    expect(samplesOf(exposition, METRIC_NAMES.circuitRejections, { upstream: 'orders' })[0]?.value).toBeGreaterThanOrEqual(1);
    expect(samplesOf(exposition, METRIC_NAMES.idempotentReplays, { api: 'orders', operation: 'createOrder' })[0]?.value).toBe(1);
  });

  it('carries the security series on the same registry: rate-limit decisions and JWKS refresh failures', () => {
    expect(exposition.types.get(PEER_METRIC_NAMES.rateLimitDecisions)).toBe('counter');
    expect(samplesOf(exposition, PEER_METRIC_NAMES.rateLimitDecisions, { outcome: 'rejected' })[0]?.value).toBeGreaterThanOrEqual(1);
    expect(samplesOf(exposition, METRIC_NAMES.requests, { status: '429' })[0]?.value).toBeGreaterThanOrEqual(1);
    expect(exposition.types.get(PEER_METRIC_NAMES.jwksRefreshFailures)).toBe('counter');
    expect(samplesOf(exposition, PEER_METRIC_NAMES.jwksRefreshFailures)).toHaveLength(1);
  });

  it('registers each metric once per registry, so every factory can ask for them', () => {
    expect(gatewayMetrics(gw.metrics).requests).toBe(gatewayMetrics(gw.metrics).requests);
  });
});
