import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BuiltGateway } from '../app.ts';
import { listen, type Listening } from '../testing/listen.ts';
import { startFakeUpstream, type FakeUpstream } from '../testing/fake-upstream.ts';
import { customersConfig, testGateway } from '../testing/test-gateway.ts';
import { LOGGED_BODY_BYTES } from './upstream-failure.ts';

const PASSWORD = 'hunter2-s3cr3t';
const STACK = [
  'Error: connect ECONNREFUSED 10.1.2.3:5432',
  '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)',
  '    at Pool.connect (/srv/customers/node_modules/pg-pool/index.js:45:11)',
  `    database: postgres://customers:${PASSWORD}@db.internal:5432/customers`,
].join('\n');
/** Longer than what is logged, so truncation shows. */
const FAILURE_BODY = `${STACK}\n${'padding '.repeat(600)}`;
const NOT_FOUND = JSON.stringify({
  type: 'https://concord.dev/problems/not-found',
  title: 'Not Found',
  status: 404,
  detail: 'Customer cus_00000000miss does not exist.',
  request_id: 'from-upstream',
});
const LEAKY_HEADERS = { 'x-powered-by': 'Express', server: 'secret/1.0', connection: 'x-internal', 'x-internal': '1' };
const ORDER = JSON.stringify({ customer_id: 'cus_00000000abcd', lines: [{ sku: 'TEA-1', quantity: 1 }] });

/**
 * An upstream's 5xx over real sockets: the client gets the gateway's own problem+json and none of
 * the upstream's body or identity headers; the log gets the head of the body.
 */
describe('upstream failures do not leak', () => {
  let upstream: FakeUpstream;
  let gateway: BuiltGateway;
  let server: Listening;
  const lines: Record<string, unknown>[] = [];
  const registry = new Registry();
  /** What the fake customers service answers next, by path suffix. */
  let answer: { status: number; body: string; headers?: Record<string, string> };

  beforeAll(async () => {
    upstream = await startFakeUpstream((req, res) => {
      if (req.url.startsWith('/customers/cus_00000000miss')) {
        res.writeHead(404, { 'content-type': 'application/problem+json', ...LEAKY_HEADERS });
        return res.end(NOT_FOUND);
      }
      if (req.url.startsWith('/customers?limit=1')) {
        res.writeHead(200, { 'content-type': 'application/json', ...LEAKY_HEADERS });
        return res.end('{"data":[],"next_cursor":null}');
      }
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...LEAKY_HEADERS, ...answer.headers });
      res.end(answer.body);
    });
    const config = customersConfig(upstream.url, {
      // Both enforce: an upstream's 5xx must not be judged against the contract as if it were its answer.
      defaults: { policies: { public: true, validation: { response: 'enforce' } } },
      upstreams: {
        customers: { url: upstream.url, timeoutMs: 2000, connectTimeoutMs: 500 },
        orders: { url: upstream.url, timeoutMs: 2000, connectTimeoutMs: 500 },
      },
      // No retries: each request is one upstream call, so the counts below are exact.
      resilience: { defaults: { retry: { maxAttempts: 1 } } },
    });
    // Unchecked, so the stand-in 201 below is served as it is.
    (config.apis as unknown[]).push({
      contract: 'orders.v1',
      basePath: '/v1',
      upstream: 'orders',
      policies: { validation: { response: 'off' } },
    });
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    gateway = testGateway(config, { logger, metrics: registry });
    server = await listen(gateway.app);
  });
  afterAll(async () => {
    await server.close();
    await gateway.close();
    await upstream.close();
  });
  beforeEach(() => {
    lines.length = 0;
    answer = { status: 500, body: FAILURE_BODY };
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(server.url + path, { headers });
  const violations = async () =>
    (await registry.getSingleMetric('concord_upstream_contract_violations_total')?.get())?.values.reduce((n, v) => n + v.value, 0) ?? 0;

  function expectNoLeak(res: Response, text: string): void {
    for (const name of ['server', 'x-powered-by', 'x-internal']) expect(res.headers.get(name), name).toBeNull();
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('ECONNREFUSED');
    expect(text).not.toContain('node_modules');
  }

  it('answers an upstream 500 with its own 502 problem+json: upstream status and request id, no body, no identity headers', async () => {
    const res = await get('/v2/customers/cus_00000000abcd', { 'x-request-id': 'req-leak-1' });
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expectNoLeak(res, text);
    expect(JSON.parse(text)).toEqual({
      type: 'https://concord.dev/problems/upstream-error',
      title: 'Upstream error',
      status: 502,
      code: 'UPSTREAM_ERROR',
      detail: 'The customers service failed to handle getCustomer (it answered 500); the failure is logged with the request id.',
      instance: '/v2/customers/cus_00000000abcd',
      upstream_status: 500,
      request_id: 'req-leak-1',
    });
    expect(res.headers.get('x-request-id')).toBe('req-leak-1');
  });

  it('logs the head of the upstream body (truncated) under the request id', async () => {
    await (await get('/v2/customers/cus_00000000abcd', { 'x-request-id': 'req-leak-2' })).text();
    const logged = lines.find((l) => l.upstream_body !== undefined);
    expect(logged).toMatchObject({ request_id: 'req-leak-2', upstream: 'customers', upstream_status: 500, upstream_body_truncated: true });
    expect(logged!.upstream_body).toBe(FAILURE_BODY.slice(0, LOGGED_BODY_BYTES));
    expect(logged!.upstream_body).toContain(`postgres://customers:${PASSWORD}@db.internal`);
  });

  it('logs a short body whole', async () => {
    answer = { status: 500, body: 'boom' };
    await (await get('/v2/customers/cus_00000000abcd')).text();
    expect(lines.find((l) => l.upstream_body !== undefined)).toMatchObject({ upstream_body: 'boom', upstream_body_truncated: false });
  });

  it.each([501, 502, 505, 599])('answers an upstream %i with 502 upstream-error', async (status) => {
    answer = { status, body: FAILURE_BODY, headers: { 'retry-after': '3' } };
    const res = await get('/v2/customers/cus_00000000abcd');
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(JSON.parse(text)).toMatchObject({ code: 'UPSTREAM_ERROR', upstream_status: status });
    // Only a 503 or 504 says "the same request may work soon".
    expect(res.headers.get('retry-after')).toBeNull();
    expectNoLeak(res, text);
  });

  it('keeps an upstream 503 a 503 dependency-unavailable, with its Retry-After, without its body', async () => {
    answer = { status: 503, body: FAILURE_BODY, headers: { 'retry-after': '7' } };
    const res = await get('/v2/customers/cus_00000000abcd');
    const text = await res.text();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(JSON.parse(text)).toMatchObject({
      type: 'https://concord.dev/problems/dependency-unavailable',
      code: 'DEPENDENCY_UNAVAILABLE',
      upstream_status: 503,
    });
    expectNoLeak(res, text);
  });

  it('keeps an upstream 504 a 504 upstream-timeout; a Retry-After that is no delay or date is dropped', async () => {
    answer = { status: 504, body: FAILURE_BODY, headers: { 'retry-after': 'soon, at db.internal' } };
    const res = await get('/v2/customers/cus_00000000abcd');
    const text = await res.text();
    expect(res.status).toBe(504);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(JSON.parse(text)).toMatchObject({ code: 'UPSTREAM_TIMEOUT', upstream_status: 504 });
    expectNoLeak(res, text);
  });

  it('passes a 404 problem from the upstream through unchanged, less the identity headers', async () => {
    const res = await get('/v2/customers/cus_00000000miss');
    const text = await res.text();
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(text).toBe(NOT_FOUND);
    for (const name of ['server', 'x-powered-by', 'x-internal']) expect(res.headers.get(name), name).toBeNull();
  });

  it('drops Server, X-Powered-By and what Connection names from a 2xx too', async () => {
    const res = await get('/v2/customers?limit=1');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: [], next_cursor: null });
    for (const name of ['server', 'x-powered-by', 'x-internal']) expect(res.headers.get(name), name).toBeNull();
  });

  it('through the v1 adapter with enforced validation: the same 502, and no contract violation is counted', async () => {
    const before = await violations();
    const res = await get('/v1/customers/cus_00000000abcd');
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(JSON.parse(text)).toMatchObject({ code: 'UPSTREAM_ERROR', upstream_status: 500 });
    expectNoLeak(res, text);
    expect(await violations()).toBe(before);
  });

  it('never stores a 5xx as the final answer of an Idempotency-Key: the retry reaches the upstream', async () => {
    const post = () =>
      fetch(`${server.url}/v1/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'key-upstream-500' },
        body: ORDER,
      });
    const calls = () => upstream.received.filter((r) => r.url === '/orders').length;
    const first = await post();
    expect(first.status).toBe(502);
    expectNoLeak(first, await first.text());
    const second = await post();
    expect(second.status).toBe(502);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    await second.text();
    expect(calls()).toBe(2);
    // Once the upstream works, the key's answer is the real one, and that one is stored.
    answer = { status: 201, body: '{}', headers: { 'content-type': 'application/json' } };
    const third = await post();
    expect(third.status).toBe(201);
    await third.text();
    const replay = await post();
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(calls()).toBe(3);
  });
});
