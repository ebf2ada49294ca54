import type { MapEdge } from '@concord/contracts/src/map/integration-map.ts';
import { describe, expect, it } from 'vitest';
import { mapConfigSchema } from '../config/map-schema.ts';
import { edgeHealth, type HealthInput } from './edge-health.ts';
import { createSampleRing, quantile, type Sample } from './metric-samples.ts';
import { parsePrometheusText } from './prometheus-text.ts';

const thresholds = mapConfigSchema.parse({}).thresholds;

function sample(at: number, sources: Record<string, string>): Sample {
  return { at, sources: new Map(Object.entries(sources).map(([name, text]) => [name, parsePrometheusText(text)])) };
}

function input(from: Sample, to: Sample, extra: Partial<HealthInput> = {}): HealthInput {
  return {
    from,
    to,
    samples: [from, to],
    thresholds,
    scrapeErrors: new Map(),
    serviceOf: (id) => id.replace(/^(system|consumer):/, '').split('-')[0],
    webhooksService: 'webhooks',
    ...extra,
  };
}

const edge = (from: string, to: string, kind: MapEdge['kind'], eventType?: string): MapEdge => ({
  id: `${from} -> ${to}`,
  from,
  to,
  kind,
  ...(eventType ? { eventType } : {}),
  pacts: [],
  pactStatus: 'none',
});

const requests = (ok: number, failed: number) => `# HELP concord_http_requests_total Requests
# TYPE concord_http_requests_total counter
concord_http_requests_total{api="orders",version="v1",operation="createOrder",partner="acme",status="201"} ${ok}
concord_http_requests_total{api="orders",version="v1",operation="createOrder",partner="acme",status="503"} ${failed}
concord_http_requests_total{api="orders",version="v1",operation="createOrder",partner="other",status="503"} 1000
`;

describe('edge health', () => {
  it('says a partner edge is red, and why, when its 5xx share over the window is above the threshold', () => {
    const from = sample(0, { gateway: requests(100, 0) });
    const to = sample(300_000, { gateway: requests(193, 7) });
    const health = edgeHealth(edge('partner:acme', 'api:orders.v1', 'calls'), input(from, to));
    expect(health.status).toBe('red');
    expect(health.reasons).toEqual(['error rate 7% > 5% over 5 min']);
    expect(health.metrics).toMatchObject({ requestRate: 0.333, errorRatePercent: { '4xx': 0, '5xx': 7 } });
    expect(health.metrics.lastSuccess).toBe(new Date(300_000).toISOString());
  });

  it('turns a webhook edge red on any dead letter, and a publish edge red on a lost bus with its backlog', () => {
    const webhooks = (depth: number) =>
      `concord_webhooks_partner_dead_letter_depth{partner="acme",event_type="order.placed"} ${depth}\nconcord_webhooks_deliveries_total{outcome="succeeded"} 5\n`;
    const delivers = edge('event:order.placed', 'webhooks:acme', 'delivers', 'order.placed');
    const from = sample(0, { webhooks: webhooks(0), orders: '' });
    expect(edgeHealth(delivers, input(from, sample(10_000, { webhooks: webhooks(0) }))).status).toBe('green');
    const red = edgeHealth(delivers, input(from, sample(10_000, { webhooks: webhooks(12) })));
    expect(red).toMatchObject({ status: 'red', reasons: ['DLQ depth 12 > 0'], metrics: { deadLetterDepth: 12 } });

    const outbox =
      'concord_outbox_backlog{service="orders"} 1500\nconcord_outbox_oldest_unpublished_age_seconds{service="orders"} 12\nconcord_bus_connected{service="orders"} 0\n';
    const publish = edgeHealth(edge('system:orders', 'event:order.placed', 'publishes'), input(from, sample(10_000, { orders: outbox })));
    expect(publish.status).toBe('red');
    expect(publish.reasons).toEqual([
      'outbox backlog 1500 > 1000',
      'oldest unpublished event 12 s old > 10 s',
      'orders is not connected to the event bus',
    ]);
  });

  it('says which service could not be read', () => {
    const from = sample(0, {});
    const health = edgeHealth(
      edge('event:order.cancelled', 'system:inventory', 'consumes', 'order.cancelled'),
      input(from, sample(1000, {}), { scrapeErrors: new Map([['inventory', 'no answer within 3000 ms']]) }),
    );
    expect(health).toMatchObject({ status: 'red', reasons: ['inventory /metrics unreachable: no answer within 3000 ms'] });
  });
});

describe('metric samples', () => {
  it('interpolates a quantile within its bucket from the growth between two samples', () => {
    const histogram = (a: number, b: number, inf: number) => `h_bucket{le="0.1"} ${a}\nh_bucket{le="1"} ${b}\nh_bucket{le="+Inf"} ${inf}\n`;
    const from = sample(0, { s: histogram(10, 10, 10) });
    const to = sample(1000, { s: histogram(60, 110, 110) });
    // 100 new observations: 50 under 0.1 s, 50 between 0.1 s and 1 s; the 99th is near 1 s.
    expect(quantile(0.99, from, to, 's', 'h')).toBeCloseTo(0.982, 3);
    expect(quantile(0.5, from, to, 's', 'h')).toBeCloseTo(0.1, 3);
    expect(quantile(0.99, to, to, 's', 'h')).toBeUndefined();
  });

  it('keeps the samples of the window and one before it as the base of rates', () => {
    const ring = createSampleRing(10_000);
    for (const at of [0, 5000, 10_000, 15_000, 20_000]) ring.add(sample(at, {}));
    expect(ring.all().map((s) => s.at)).toEqual([5000, 10_000, 15_000, 20_000]);
    expect(ring.oldest()?.at).toBe(5000);
  });
});
