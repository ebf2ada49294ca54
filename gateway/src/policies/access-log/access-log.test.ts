import { InMemorySpanExporter, BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Hono } from 'hono';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { resilienceConfigSchema } from '../../config/resilience-schema.ts';
import { createGatewayFactory, type GatewayEnv } from '../../env.ts';
import type { CompiledRoute } from '../../route-variables.ts';
import { createResilientUpstream } from '../../upstream/resilient-upstream.ts';
import type { UpstreamResponse } from '../../upstream/upstream-call.ts';
import { accessLog } from './access-log.ts';
import { createGatewayLogger } from '../../observability/logger.ts';
import { gatewayMetrics } from '../../observability/metrics.ts';
import { requestSpanContext, upstreamObserver } from '../../observability/upstream-observer.ts';

const route = {
  contract: 'orders.v1',
  api: 'orders',
  version: 'v1',
  operationId: 'getOrder',
  method: 'get',
  publicPathTemplate: '/v1/orders/{orderId}',
  upstream: 'orders',
} as unknown as CompiledRoute;

function setup() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const logger = createGatewayLogger({ destination });
  const registry = new Registry();
  const metrics = gatewayMetrics(registry);
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test');
  let calls = 0;
  const upstream = createResilientUpstream(
    async () => {
      calls++;
      const body = { dump: async () => {}, text: async () => '{}' } as unknown as UpstreamResponse['body'];
      return { status: calls === 1 ? 503 : 200, headers: {}, body, attempts: 1, upstreamMs: 1 };
    },
    {
      config: resilienceConfigSchema.parse({ defaults: { retry: { baseDelayMs: 1 } } }),
      now: Date.now,
      tracer,
      parentContext: requestSpanContext,
      observer: upstreamObserver(metrics),
    },
  );
  const factory = createGatewayFactory();
  const app = new Hono<GatewayEnv>();
  app.use(accessLog(factory, { logger, metrics, tracer }));
  app.use(async (c, next) => {
    c.set('requestId', 'req_1');
    c.set('traceId', '4bf92f3577b34da6a3ce929d0e0e4736');
    c.set('route', route);
    c.set('principal', { clientId: 'acme', scopes: new Set<string>() });
    await next();
  });
  app.get('/v1/orders/:id', async (c) => {
    const res = await upstream.call({
      upstream: 'orders',
      operationId: 'getOrder',
      method: 'GET',
      path: '/orders/1',
      headers: {},
      body: undefined,
      signal: c.req.raw.signal,
      retryable: true,
      stats: c.get('requestStats'),
    });
    return c.json({}, res.status as 200);
  });
  return { app, lines, registry, exporter };
}

describe('access log, metrics and spans', () => {
  it('logs one line per request with identity, operation, status, latencies and retries, and no headers', async () => {
    const { app, lines } = setup();
    const res = await app.request('/v1/orders/ord_1?token=secret', {
      headers: { authorization: 'Bearer eyJsecret', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    });
    expect(res.status).toBe(200);
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toMatchObject({
      msg: 'request',
      request_id: 'req_1',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      partner: 'acme',
      api: 'orders',
      version: 'v1',
      operation: 'getOrder',
      status: 200,
      attempts: 2,
      retries: 1,
      path: '/v1/orders/ord_1',
    });
    expect(typeof line.total_ms).toBe('number');
    expect(typeof line.upstream_ms).toBe('number');
    expect(JSON.stringify(line)).not.toContain('secret');
  });

  it('counts requests and latencies by api, version, operation, partner and status, and retries per upstream', async () => {
    const { app, registry } = setup();
    await app.request('/v1/orders/ord_1');
    const text = await registry.metrics();
    expect(text).toContain('concord_http_requests_total{api="orders",version="v1",operation="getOrder",partner="acme",status="200"} 1');
    expect(text).toContain('concord_http_request_duration_seconds_count{api="orders",version="v1",operation="getOrder",status="200"} 1');
    expect(text).toContain('concord_upstream_request_duration_seconds_count{upstream="orders",operation="getOrder",status="200"} 1');
    expect(text).toContain('concord_upstream_retries_total{upstream="orders",operation="getOrder",reason="503"} 1');
    expect(text).toContain('concord_upstream_attempts_total{upstream="orders",outcome="503"} 1');
  });

  it("exports a server span continuing the caller's trace, with one client span per upstream attempt under it", async () => {
    const { app, exporter } = setup();
    await app.request('/v1/orders/ord_1', { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'GET /v1/orders/{orderId}')!;
    const attempts = spans.filter((s) => s.name === 'upstream orders');
    expect(server.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(server.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(server.attributes['http.response.status_code']).toBe(200);
    expect(attempts).toHaveLength(2);
    for (const a of attempts) expect(a.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(attempts.map((a) => a.attributes['http.response.status_code'])).toEqual([503, 200]);
  });
});
