import { afterEach, describe, expect, it } from 'vitest';
import {
  createConcordClient,
  ConcordServerError,
  ConcordTimeoutError,
  ConcordAbortError,
  ConcordConnectionError,
  RateLimitedError,
  type RetryEvent,
} from '../src/index.ts';
import { customer, json, problem, startServer, type TestServer } from './http-server.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A sleep that really waits (so the server sees the gaps) and records what it was asked for. */
function recordingSleep() {
  const waits: number[] = [];
  const sleep = (ms: number) => {
    waits.push(ms);
    return new Promise<void>((resolve) => setTimeout(resolve, ms));
  };
  return { waits, sleep };
}

describe('retries', () => {
  it('retries a 503 twice then succeeds, waiting longer each time (full jitter, exponential cap)', async () => {
    let calls = 0;
    server = await startServer((_req, res) => {
      calls++;
      if (calls <= 2) problem(res, 503, 'Service Unavailable');
      else json(res, 200, customer('cus_abc12345'));
    });
    const { waits, sleep } = recordingSleep();
    const retries: RetryEvent[] = [];
    const client = createConcordClient({
      baseUrl: server.url,
      accessToken: 'test',
      retry: { baseDelayMs: 100, maxDelayMs: 10_000 },
      // random() = 0.75: the jittered delays are exactly 0.75 * 100 * 2^n.
      runtime: { random: () => 0.75, sleep },
      hooks: { onRetry: (e) => retries.push(e) },
    });

    const result = await client.customersV2.getCustomer({ customerId: 'cus_abc12345' });

    expect(result.id).toBe('cus_abc12345');
    expect(server.requests).toHaveLength(3);
    expect(waits).toEqual([75, 150]);
    expect(retries.map((r) => [r.attempt, r.status, r.delayMs, r.reason])).toEqual([
      [1, 503, 75, 'SERVER_ERROR'],
      [2, 503, 150, 'SERVER_ERROR'],
    ]);
    const [a, b, c] = server.requests.map((r) => r.at);
    expect(b! - a!).toBeGreaterThanOrEqual(70);
    expect(c! - b!).toBeGreaterThanOrEqual(145);
  });

  it('the jitter is drawn below the exponential cap, which stops growing at maxDelayMs', async () => {
    server = await startServer((_req, res) => problem(res, 502, 'Bad Gateway'));
    const { waits, sleep } = recordingSleep();
    const client = createConcordClient({
      baseUrl: server.url,
      accessToken: 'test',
      retry: { maxRetries: 5, baseDelayMs: 4, maxDelayMs: 20 },
      runtime: { random: () => 0.999, sleep },
    });
    await expect(client.customersV2.getCustomer({ customerId: 'cus_abc12345' })).rejects.toBeInstanceOf(ConcordServerError);
    expect(waits).toEqual([3, 7, 15, 19, 19]);
    expect(server.requests).toHaveLength(6);
  });

  it('retries a POST whose contract takes an Idempotency-Key after a dropped connection, with the same key: one order', async () => {
    const orders = new Map<string, { id: string }>();
    let attempts = 0;
    server = await startServer((req, res, raw) => {
      attempts++;
      if (attempts === 1) {
        // The body has been read: the server may have acted on it. Drop the connection unanswered.
        raw.socket.destroy();
        return;
      }
      const key = String(req.headers['idempotency-key']);
      if (!orders.has(key)) orders.set(key, { id: `ord_${orders.size + 1}aaaaaaa` });
      json(res, 201, {
        ...orders.get(key),
        customer_id: 'cus_abc12345',
        status: 'confirmed',
        lines: JSON.parse(req.body).lines,
        rejection_reason: null,
        created_at: '2025-01-01T00:00:00Z',
        updated_at: '2025-01-01T00:00:00Z',
        cancelled_at: null,
      });
    });
    const retries: RetryEvent[] = [];
    const client = createConcordClient({
      baseUrl: server.url,
      accessToken: 'test',
      runtime: { random: () => 0 },
      hooks: { onRetry: (e) => retries.push(e) },
    });

    const order = await client.ordersV1.createOrder({
      body: { customer_id: 'cus_abc12345', lines: [{ sku: 'TEA-EARLGREY-250', quantity: 2 }] },
    });

    expect(order.status).toBe('confirmed');
    expect(server.requests).toHaveLength(2);
    const keys = server.requests.map((r) => r.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(server.requests[0]!.body).toBe(server.requests[1]!.body);
    expect(orders.size).toBe(1);
    expect(retries.map((r) => r.reason)).toEqual(['CONNECTION_FAILED']);
  });

  it('uses a new key for every call, and the caller may choose it', async () => {
    server = await startServer((_req, res) => json(res, 201, {}));
    const client = createConcordClient({ baseUrl: server.url, accessToken: 'test' });
    const body = { customer_id: 'cus_abc12345', lines: [{ sku: 'SKU-1', quantity: 1 }] };
    await client.ordersV1.createOrder({ body });
    await client.ordersV1.createOrder({ body });
    await client.ordersV1.createOrder({ body }, { idempotencyKey: 'my-own-key' });
    const keys = server.requests.map((r) => r.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(3);
    expect(keys[2]).toBe('my-own-key');
  });

  it('does not retry a POST whose contract takes no Idempotency-Key, and sends none', async () => {
    server = await startServer((_req, res) => problem(res, 503, 'Service Unavailable'));
    const client = createConcordClient({ baseUrl: server.url, accessToken: 'test', runtime: { random: () => 0 } });
    await expect(
      client.customersV2.createCustomer({ body: { given_name: 'A', family_name: 'B', email: 'a@b.example' } }),
    ).rejects.toBeInstanceOf(ConcordServerError);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers['idempotency-key']).toBeUndefined();
  });

  it('does not retry a PATCH after a dropped connection: it may have been applied', async () => {
    server = await startServer((_req, _res, raw) => {
      raw.socket.destroy();
    });
    const client = createConcordClient({ baseUrl: server.url, accessToken: 'test', runtime: { random: () => 0 } });
    await expect(client.customersV2.updateCustomer({ customerId: 'cus_abc12345', body: { email: 'x@y.example' } })).rejects.toBeInstanceOf(
      ConcordConnectionError,
    );
    expect(server.requests).toHaveLength(1);
  });

  it('waits about a second on a 429 with Retry-After: 1 (measured by the server)', async () => {
    server = await startServer((_req, res) => {
      if (server!.requests.length === 1) problem(res, 429, 'Too Many Requests', {}, { 'retry-after': '1', ratelimit: '"default";r=0;t=1' });
      else json(res, 200, customer('cus_abc12345'));
    });
    const client = createConcordClient({ baseUrl: server.url, accessToken: 'test' });
    await client.customersV2.getCustomer({ customerId: 'cus_abc12345' });
    const gap = server.requests[1]!.at - server.requests[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(990);
    // The upper bound only leaves room for a loaded machine; the SDK itself waits exactly 1000 ms.
    expect(gap).toBeLessThan(1800);
  });

  it('honours the RateLimit header when there is no Retry-After', async () => {
    server = await startServer((_req, res) => {
      if (server!.requests.length === 1)
        problem(
          res,
          429,
          'Too Many Requests',
          {},
          { ratelimit: '"burst";r=3;t=1, "default";r=0;t=2', 'ratelimit-policy': '"default";q=100;w=60' },
        );
      else json(res, 200, customer('cus_abc12345'));
    });
    const waits: number[] = [];
    const sleep = (ms: number) => {
      waits.push(ms);
      return new Promise<void>((resolve) => setTimeout(resolve, 5));
    };
    const client = createConcordClient({ baseUrl: server.url, accessToken: 'test', runtime: { sleep } });
    await client.customersV2.getCustomer({ customerId: 'cus_abc12345' });
    expect(waits[0]).toBe(2000);
  });

  it('gives up at once with RateLimitedError when the server asks for a longer wait than the deadline allows', async () => {
    server = await startServer((_req, res) =>
      problem(res, 429, 'Too Many Requests', { detail: 'retry in 30 seconds' }, { 'retry-after': '30' }),
    );
    const client = createConcordClient({ baseUrl: server.url, accessToken: 'test', deadlineMs: 5_000 });
    const started = Date.now();
    const err = await client.customersV2.getCustomer({ customerId: 'cus_abc12345' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(30_000);
    expect((err as RateLimitedError).status).toBe(429);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(server.requests).toHaveLength(1);
  });

  it('times out one attempt, retries it, and stops at the overall deadline', async () => {
    server = await startServer(() => {
      /* never answers */
    });
    const client = createConcordClient({
      baseUrl: server.url,
      accessToken: 'test',
      timeoutMs: 100,
      deadlineMs: 350,
      runtime: { random: () => 0 },
    });
    const started = Date.now();
    const err = await client.customersV2.getCustomer({ customerId: 'cus_abc12345' }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(ConcordTimeoutError);
    expect((err as ConcordTimeoutError).kind).toBe('deadline');
    expect(elapsed).toBeGreaterThanOrEqual(340);
    expect(elapsed).toBeLessThan(1000);
    expect(server.requests.length).toBe(4);
  });

  it('stops at once when the caller aborts, during an attempt or a wait', async () => {
    server = await startServer((_req, res) => problem(res, 503, 'Service Unavailable'));
    const client = createConcordClient({
      baseUrl: server.url,
      accessToken: 'test',
      retry: { baseDelayMs: 10_000 },
      runtime: { random: () => 0.5 },
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const err = await client.customersV2
      .getCustomer({ customerId: 'cus_abc12345' }, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConcordAbortError);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(server.requests).toHaveLength(1);
  });
});
