import { afterEach, describe, expect, it } from 'vitest';
import { deadUpstreamUrl, startOrdersUpstream, type OrdersUpstream } from './support/orders-upstream.ts';
import { ORDER, postOrder, reliabilityGateway, type ReliabilityGateway } from './support/reliability-gateway.ts';

/** Issue 6, "Done when": an upstream that is down, the breaker, retries, and retries never duplicating a POST. */
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

function track<T extends { close(): Promise<void> }>(thing: T): T {
  open.push(thing);
  return thing;
}

async function upstream(): Promise<OrdersUpstream> {
  return track(await startOrdersUpstream());
}
function gateway(ordersUrl: string, resilience: Record<string, unknown> = {}): ReliabilityGateway {
  return track(reliabilityGateway({ ordersUrl, resilience }));
}

async function problem(res: Response) {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await res.json()) as { status: number; code: string; type: string; request_id?: string };
}

describe('an upstream that is down', () => {
  it('answers 502 problem+json in bounded time, retries included', async () => {
    const gw = gateway(await deadUpstreamUrl(), { defaults: { retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 } } });
    const started = performance.now();
    const res = await gw.request('/v1/orders/ord_0000000001');
    const elapsed = performance.now() - started;
    expect(res.status).toBe(502);
    const body = await problem(res);
    expect(body.code).toBe('UPSTREAM_UNREACHABLE');
    expect(body.request_id).toBeTruthy();
    // three refused connects and two backoffs of at most 20 and 40 ms: far below the 3 s deadline
    expect(elapsed).toBeLessThan(3000);
  });

  it('answers 504 problem+json when the upstream accepts but never answers, within the deadline', async () => {
    const { createServer } = await import('node:http');
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    track({
      close: () =>
        new Promise<void>((r) => {
          silent.closeAllConnections();
          silent.close(() => r());
        }),
    });
    const port = (silent.address() as { port: number }).port;
    const gw = gateway(`http://127.0.0.1:${port}`, { defaults: { timeouts: { headersMs: 200, requestMs: 1000 } } });
    const started = performance.now();
    const res = await gw.request('/v1/orders/ord_0000000001');
    expect(res.status).toBe(504);
    expect((await problem(res)).code).toBe('UPSTREAM_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(1500);
  });
});

describe('the circuit breaker, observed from the upstream', () => {
  const breaker = {
    defaults: {
      retry: { maxAttempts: 1 },
      circuitBreaker: { minimumCalls: 4, failureRateThreshold: 0.5, openMs: 300, halfOpenMaxCalls: 1 },
    },
  };

  it('opens after the failure threshold, answers 503 CIRCUIT_OPEN without calling the upstream, and closes after one trial', async () => {
    const orders = await upstream();
    const gw = gateway(orders.url, breaker);
    orders.failAll({ status: 503 });
    for (let i = 0; i < 4; i++) expect((await gw.request('/v1/orders/ord_0000000001')).status).toBe(503);
    expect(orders.count('GET')).toBe(4);

    // open: answered at once, the upstream sees nothing
    for (let i = 0; i < 5; i++) {
      const res = await gw.request('/v1/orders/ord_0000000001');
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect((await problem(res)).code).toBe('CIRCUIT_OPEN');
    }
    expect(orders.count('GET')).toBe(4);

    // after the cool-down, one trial request reaches the (recovered) upstream and closes the circuit
    orders.recover();
    await new Promise((r) => setTimeout(r, 350));
    expect((await gw.request('/v1/orders/ord_0000000001')).status).toBe(200);
    expect(orders.count('GET')).toBe(5);
    for (let i = 0; i < 3; i++) expect((await gw.request('/v1/orders/ord_0000000001')).status).toBe(200);
    expect(orders.count('GET')).toBe(8);
    const text = await gw.metrics.metrics();
    expect(text).toContain('concord_circuit_breaker_state{upstream="orders",state="closed"} 1');
    expect(text).toContain('concord_circuit_breaker_rejections_total{upstream="orders"} 5');
  });

  it('opens for a dead upstream too (connect errors count as failures)', async () => {
    const gw = gateway(await deadUpstreamUrl(), breaker);
    for (let i = 0; i < 4; i++) expect((await gw.request('/v1/orders/ord_0000000001')).status).toBe(502);
    const res = await gw.request('/v1/orders/ord_0000000001');
    expect(res.status).toBe(503);
    expect((await problem(res)).code).toBe('CIRCUIT_OPEN');
  });

  it('a failed trial reopens the circuit for another cool-down', async () => {
    const orders = await upstream();
    const gw = gateway(orders.url, breaker);
    orders.failAll({ status: 502 });
    for (let i = 0; i < 4; i++) await gw.request('/v1/orders/ord_0000000001');
    await new Promise((r) => setTimeout(r, 350));
    expect((await gw.request('/v1/orders/ord_0000000001')).status).toBe(502); // the trial, still failing
    expect(orders.count('GET')).toBe(5);
    expect((await gw.request('/v1/orders/ord_0000000001')).status).toBe(503);
    expect(orders.count('GET')).toBe(5);
  });
});

describe('an upstream that fails twice, then succeeds', () => {
  const retries = { defaults: { retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 } } };

  it('a GET succeeds after two retries', async () => {
    const orders = await upstream();
    const gw = gateway(orders.url, retries);
    orders.failNext(2, { status: 503 });
    const res = await gw.request('/v1/orders/ord_0000000001');
    expect(res.status).toBe(200);
    expect(orders.count('GET')).toBe(3);
  });

  it('honours Retry-After from a 429', async () => {
    const orders = await upstream();
    const gw = gateway(orders.url, retries);
    orders.failNext(1, { status: 429, headers: { 'retry-after': '1' } });
    const started = performance.now();
    expect((await gw.request('/v1/orders/ord_0000000001')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(orders.count('GET')).toBe(2);
  });

  it('a POST without an Idempotency-Key is not retried', async () => {
    const orders = await upstream();
    const gw = gateway(orders.url, retries);
    orders.failNext(2, { status: 503 });
    const res = await postOrder(gw, ORDER);
    expect(res.status).toBe(503);
    expect(orders.count('POST')).toBe(1);
    expect(orders.created).toBe(0);
  });

  it('a POST with an Idempotency-Key is retried and creates exactly one order; a repeat is replayed', async () => {
    const orders = await upstream();
    const gw = gateway(orders.url, retries);
    orders.failNext(2, { status: 503 });
    const res = await postOrder(gw, ORDER, 'key-retry-1');
    expect(res.status).toBe(201);
    expect(orders.count('POST')).toBe(3);
    expect(orders.created).toBe(1);
    const created = (await res.json()) as { id: string };

    const again = await postOrder(gw, ORDER, 'key-retry-1');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as { id: string }).id).toBe(created.id);
    expect(orders.count('POST')).toBe(3);
    expect(orders.created).toBe(1);
  });

  it('stops retrying when the per-upstream retry budget is spent', async () => {
    const orders = await upstream();
    const gw = gateway(orders.url, {
      defaults: {
        retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
        retryBudget: { ratio: 0, minRetriesPerWindow: 3 },
        circuitBreaker: { enabled: false },
      },
    });
    orders.failAll({ status: 503 });
    for (let i = 0; i < 4; i++) await gw.request('/v1/orders/ord_0000000001');
    // 4 requests + 3 retries of the budget, not 4 x 3 attempts
    expect(orders.count('GET')).toBe(7);
    expect(await gw.metrics.metrics()).toMatch(/concord_upstream_retries_stopped_total\{upstream="orders",reason="budget"\} [1-9]/);
  });
});
