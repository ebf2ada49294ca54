import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltGateway } from './app.ts';
import { startFakeCustomersV2 } from './testing/fake-customers-v2.ts';
import { startFakeUpstream, unusedUrl, type FakeUpstream } from './testing/fake-upstream.ts';
import { customersConfig, testGateway } from './testing/test-gateway.ts';

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

async function problem(res: Response) {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.status).toBe(res.status);
  expect(body.request_id).toBe(res.headers.get('x-request-id'));
  expect(typeof body.request_id).toBe('string');
  return body;
}

describe('the gateway pipeline in front of customers v2', () => {
  let upstream: Awaited<ReturnType<typeof startFakeCustomersV2>>;
  let gateway: BuiltGateway;

  beforeAll(async () => {
    upstream = await startFakeCustomersV2();
    gateway = testGateway(customersConfig(upstream.url), { now: () => Date.parse('2026-01-01T00:00:00Z') });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('creates and reads a v2 customer, forwarding the request id and trace context', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const created = await gateway.app.request(
      '/v2/customers',
      json(
        { given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.com' },
        { 'x-request-id': 'req-test-1', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      ),
    );
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe('req-test-1');
    expect(created.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(created.headers.get('location')).toMatch(/^\/v2\/customers\/cus_/);
    const sent = upstream.received.at(-1)!;
    expect(sent.headers['x-request-id']).toBe('req-test-1');
    expect(sent.headers.traceparent).toBe(created.headers.get('traceparent'));
    expect(sent.headers['x-forwarded-proto']).toBe('http');
    const customer = (await created.json()) as { id: string };
    const read = await gateway.app.request(`/v2/customers/${customer.id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('deprecation')).toBeNull();
  });

  it('serves v1 through the adapter with full_name and the three lifecycle headers', async () => {
    const created = await gateway.app.request(
      '/v1/customers',
      json({ full_name: 'Dr. Grace Brewster Hopper', email: 'grace@example.com' }),
    );
    expect(created.status).toBe(201);
    const body = (await created.json()) as Record<string, unknown>;
    expect(body.full_name).toBe('Dr. Grace Brewster Hopper');
    expect(body).not.toHaveProperty('given_name');
    expect(JSON.parse(upstream.received.at(-1)!.body)).toMatchObject({
      name_prefix: 'Dr.',
      given_name: 'Grace Brewster',
      family_name: 'Hopper',
    });
    expect(created.headers.get('deprecation')).toBe(`@${Date.parse('2025-07-01') / 1000}`);
    expect(created.headers.get('sunset')).toBe('Fri, 01 Jan 2027 00:00:00 GMT');
    expect(created.headers.get('link')).toBe('</v2>; rel="successor-version"');
    const list = await gateway.app.request('/v1/customers?limit=5');
    const page = (await list.json()) as { data: Record<string, unknown>[] };
    expect(page.data.every((c) => typeof c.full_name === 'string' && !('family_name' in c))).toBe(true);
  });

  it('maps upstream field errors on the split name back to full_name', async () => {
    const res = await gateway.app.request('/v1/customers', json({ full_name: `Ada ${'x'.repeat(150)}`, email: 'long@example.com' }));
    const body = await problem(res);
    expect(res.status).toBe(400);
    expect(body.errors).toEqual([{ pointer: '/body/full_name', message: expect.stringContaining('family_name') }]);
  });

  it('answers an invalid body with one pointer per bad field', async () => {
    const res = await gateway.app.request('/v2/customers', json({ given_name: '', email: 'not-an-email', shoe_size: 44 }));
    expect(res.status).toBe(400);
    const body = await problem(res);
    const pointers = (body.errors as { pointer: string }[]).map((e) => e.pointer).sort();
    expect(pointers).toEqual(['/body/email', '/body/family_name', '/body/given_name', '/body/shoe_size']);
  });

  it('answers 404, 405 with Allow, 415 and 413 as problem+json', async () => {
    const notFound = await gateway.app.request('/v3/customers');
    expect(notFound.status).toBe(404);
    await problem(notFound);
    const notAllowed = await gateway.app.request('/v2/customers/cus_12345678', { method: 'DELETE' });
    expect(notAllowed.status).toBe(405);
    expect(notAllowed.headers.get('allow')).toBe('GET, PATCH');
    await problem(notAllowed);
    const unsupported = await gateway.app.request('/v2/customers', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hi',
    });
    expect(unsupported.status).toBe(415);
    await problem(unsupported);
    const big = await gateway.app.request('/v2/customers', json({ given_name: 'x'.repeat(2 * 1024 * 1024) }));
    expect(big.status).toBe(413);
    await problem(big);
  });

  it('answers a CORS preflight for an allowed origin without calling the upstream', async () => {
    const before = upstream.received.length;
    const res = await gateway.app.request('/v2/customers', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('access-control-allow-methods')).toBe('POST');
    expect(upstream.received.length).toBe(before);
  });
});

describe('upstream failures', () => {
  let slow: FakeUpstream;
  beforeAll(async () => {
    slow = await startFakeUpstream(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 1500));
      res.end('{}');
    });
  });
  afterAll(() => slow.close());

  it('answers 502 UPSTREAM_UNREACHABLE when the upstream is down', async () => {
    const gateway = testGateway(customersConfig(await unusedUrl()));
    const started = performance.now();
    const res = await gateway.app.request('/v2/customers/cus_12345678');
    expect(res.status).toBe(502);
    expect((await problem(res)).code).toBe('UPSTREAM_UNREACHABLE');
    expect(performance.now() - started).toBeLessThan(1000);
    await gateway.close();
  });

  it('answers 504 UPSTREAM_TIMEOUT when the upstream is slower than the operation timeout', async () => {
    const config = customersConfig(slow.url);
    (config.apis as Record<string, unknown>[])[0]!.operations = { getCustomer: { policies: { timeoutMs: 200 } } };
    const gateway = testGateway(config);
    const started = performance.now();
    const res = await gateway.app.request('/v2/customers/cus_12345678');
    expect(res.status).toBe(504);
    expect((await problem(res)).code).toBe('UPSTREAM_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(1000);
    await gateway.close();
  });

  it('withholds a response that breaks the contract with 502 when response validation enforces', async () => {
    const broken = await startFakeCustomersV2({ brokenResponses: true });
    const config = customersConfig(broken.url, { defaults: { policies: { public: true, validation: { response: 'enforce' } } } });
    const gateway = testGateway(config);
    const res = await gateway.app.request('/v2/customers', json({ given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.com' }));
    expect(res.status).toBe(502);
    const body = await problem(res);
    expect(body.code).toBe('UPSTREAM_CONTRACT_BROKEN');
    // In report mode the same response passes and is counted.
    const reporting = testGateway(customersConfig(broken.url));
    const passed = await reporting.app.request(
      '/v2/customers',
      json({ given_name: 'Ada', family_name: 'Lovelace', email: 'ada2@example.com' }),
    );
    expect(passed.status).toBe(201);
    await Promise.all([gateway.close(), reporting.close(), broken.close()]);
  });
});

describe('version lifecycle', () => {
  it('answers 410 naming the successor after the sunset, without calling the upstream', async () => {
    const gateway = testGateway(customersConfig('http://127.0.0.1:9'), { now: () => Date.parse('2027-01-02T00:00:00Z') });
    const res = await gateway.app.request('/v1/customers/cus_12345678');
    expect(res.status).toBe(410);
    const body = await problem(res);
    expect(body.successor).toBe('customers.v2');
    expect(body.detail).toContain('customers.v2');
    expect(res.headers.get('link')).toBe('</v2>; rel="successor-version"');
    await gateway.close();
  });
});
