import { afterEach, describe, expect, it } from 'vitest';
import {
  ConcordApiError,
  ConcordClientError,
  ConcordServerError,
  ConflictError,
  NotFoundError,
  PermissionDeniedError,
  SDK_VERSION,
  ValidationError,
  apiVersions,
  createConcordClient,
  type RequestEvent,
  type ResponseEvent,
} from '../src/index.ts';
import packageJson from '../package.json' with { type: 'json' };
import { customer, json, problem, startServer, type TestServer } from './http-server.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('typed methods', () => {
  it('sends path, query and body where the contract puts them, under the version base path', async () => {
    server = await startServer((req, res) => json(res, req.method === 'GET' ? 200 : 201, customer('cus_abc12345')));
    const client = createConcordClient({ baseUrl: `${server.url}/`, accessToken: () => 'dynamic-token' });
    await client.customersV2.getCustomer({ customerId: 'cus/weird id' });
    await client.customersV2.listCustomers({ limit: 5, email: 'a+b@example.com' });
    await client.customersV1.createCustomer({ body: { full_name: 'Ada Lovelace', email: 'ada@example.com' } });
    await client.customersV2.updateCustomer({ customerId: 'cus_abc12345', body: { phone: null } });

    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /v2/customers/cus%2Fweird%20id',
      'GET /v2/customers?limit=5&email=a%2Bb%40example.com',
      'POST /v1/customers',
      'PATCH /v2/customers/cus_abc12345',
    ]);
    expect(server.requests[2]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(server.requests[3]!.body)).toEqual({ phone: null });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer dynamic-token');
    expect(server.requests[0]!.headers['user-agent']).toBe(`concord-partner-sdk/${SDK_VERSION}`);
  });

  it('covers every public API version, one property each', () => {
    const client = createConcordClient({ baseUrl: 'http://127.0.0.1:1', accessToken: 't' });
    for (const api of apiVersions) expect(typeof (client as unknown as Record<string, unknown>)[api.property]).toBe('object');
    expect(apiVersions.map((a) => a.id)).toEqual(expect.arrayContaining(['customers.v1', 'customers.v2', 'orders.v1']));
    expect(SDK_VERSION).toBe(packageJson.version);
  });

  it('iterates every page of a list, following next_cursor', async () => {
    const all = Array.from({ length: 7 }, (_, i) => customer(`cus_${String(i).padStart(8, '0')}`));
    server = await startServer((req, res) => {
      const url = new URL(req.url, 'http://x');
      const limit = Number(url.searchParams.get('limit'));
      const start = Number(url.searchParams.get('cursor') ?? 0);
      const data = all.slice(start, start + limit);
      json(res, 200, { data, next_cursor: start + limit < all.length ? String(start + limit) : null });
    });
    const client = createConcordClient({ baseUrl: server.url, accessToken: 't' });
    const ids: string[] = [];
    for await (const c of client.customersV2.listCustomers.all({ limit: 3 })) ids.push(c.id);
    expect(ids).toEqual(all.map((c) => c.id));
    expect(server.requests.map((r) => r.url)).toEqual([
      '/v2/customers?limit=3',
      '/v2/customers?limit=3&cursor=3',
      '/v2/customers?limit=3&cursor=6',
    ]);

    let pages = 0;
    for await (const page of client.customersV2.listCustomers.pages({ limit: 5 })) pages += page.data.length > 0 ? 1 : 0;
    expect(pages).toBe(2);
  });

  it('calls the logging hooks with the token redacted', async () => {
    server = await startServer((_req, res) => json(res, 200, customer('cus_abc12345'), { 'x-request-id': 'req_123' }));
    const requests: RequestEvent[] = [];
    const responses: ResponseEvent[] = [];
    const client = createConcordClient({
      baseUrl: server.url,
      accessToken: 'very-secret',
      hooks: {
        onRequest: (e) => requests.push(e),
        onResponse: (e) => {
          responses.push(e);
          throw new Error('a broken hook does not break the call');
        },
      },
    });
    await client.customersV2.getCustomer({ customerId: 'cus_abc12345' });
    expect(requests[0]!.headers.get('authorization')).toBe('Bearer [redacted]');
    expect(requests[0]!.operation).toBe('customers.v2.getCustomer');
    expect(responses[0]).toMatchObject({ status: 200, requestId: 'req_123', attempt: 1 });
  });
});

describe('typed errors', () => {
  it('turns a 404 problem into NotFoundError with the problem fields and the request id', async () => {
    server = await startServer((_req, res) =>
      problem(res, 404, 'Not Found', { detail: 'Customer cus_nope0000 does not exist.', instance: '/v2/customers/cus_nope0000' }),
    );
    const client = createConcordClient({ baseUrl: server.url, accessToken: 't' });
    const err = await client.customersV2.getCustomer({ customerId: 'cus_nope0000' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toBeInstanceOf(ConcordClientError);
    expect(err).toBeInstanceOf(ConcordApiError);
    const e = err as NotFoundError;
    expect(e.category).toBe('NOT_FOUND');
    // No problem code in this body: the category stands in.
    expect(e.code).toBe('NOT_FOUND');
    expect(e.name).toBe('NotFoundError');
    expect(e.status).toBe(404);
    expect(e.type).toBe('https://concord.dev/problems/not-found');
    expect(e.detail).toBe('Customer cus_nope0000 does not exist.');
    expect(e.requestId).toBe('req_404_test');
    expect(e.operation).toBe('customers.v2.getCustomer');
    expect(server.requests).toHaveLength(1);
  });

  it("takes its code from the problem, the API's own vocabulary, keeping the family as its category", async () => {
    server = await startServer((_req, res) =>
      problem(res, 403, 'Forbidden', { code: 'INSUFFICIENT_SCOPE', type: 'https://concord.dev/problems/insufficient-scope' }),
    );
    const client = createConcordClient({ baseUrl: server.url, accessToken: 't' });
    const err = (await client.customersV2.getCustomer({ customerId: 'cus_abc12345' }).catch((e: unknown) => e)) as PermissionDeniedError;
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect(err.code).toBe('INSUFFICIENT_SCOPE');
    expect(err.category).toBe('FORBIDDEN');
  });

  it('carries the field errors of a 400', async () => {
    const errors = [{ pointer: '/body/email', message: 'must match format "email"' }];
    server = await startServer((_req, res) => problem(res, 400, 'Request validation failed', { errors }));
    const client = createConcordClient({ baseUrl: server.url, accessToken: 't' });
    const err = await client.customersV2
      .createCustomer({ body: { given_name: 'A', family_name: 'B', email: 'nope' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).errors).toEqual(errors);
  });

  it('maps each status to its family, whatever the body', async () => {
    const statuses = [409, 418, 500];
    server = await startServer((_req, res) => {
      const status = statuses[server!.requests.length - 1]!;
      if (status === 500) res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>oops</h1>');
      else problem(res, status, 'Whatever');
    });
    const client = createConcordClient({ baseUrl: server.url, accessToken: 't', retry: { maxRetries: 0 } });
    const call = () => client.customersV2.getCustomer({ customerId: 'cus_abc12345' }).catch((e: unknown) => e);
    expect(await call()).toBeInstanceOf(ConflictError);
    const teapot = await call();
    expect(teapot).toBeInstanceOf(ConcordClientError);
    expect((teapot as ConcordClientError).category).toBe('CLIENT_ERROR');
    const server500 = (await call()) as ConcordServerError;
    expect(server500).toBeInstanceOf(ConcordServerError);
    expect(server500.detail).toBe('<h1>oops</h1>');
  });
});
