import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { registerCustomersV2, type CustomersV2Handlers } from '../../generated/customers.v2/server.ts';
import type { components } from '../../generated/customers.v2/types.ts';
import { ProblemError } from '../problem.ts';
import { problemErrorHandler } from '../problem-handler.ts';

type Customer = components['schemas']['Customer'];

function customerApp() {
  const store = new Map<string, Customer>();
  const handlers: CustomersV2Handlers = {
    listCustomers: ({ query }) => ({ status: 200, body: { data: [...store.values()].slice(0, query.limit ?? 20), next_cursor: null } }),
    getCustomer: ({ params }) => {
      const found = store.get(params.customerId);
      if (!found) throw new ProblemError('not-found', `No customer ${params.customerId}.`);
      return { status: 200, body: found };
    },
    createCustomer: ({ body }) => {
      const now = new Date().toISOString();
      const customer: Customer = {
        id: 'cus_00000001',
        given_name: body.given_name,
        family_name: body.family_name,
        name_prefix: body.name_prefix ?? null,
        email: body.email,
        phone: body.phone ?? null,
        address: body.address ?? null,
        created_at: now,
        updated_at: now,
      };
      store.set(customer.id, customer);
      return { status: 201, body: customer, headers: { location: `/customers/${customer.id}` } };
    },
    updateCustomer: ({ params }) => {
      const found = store.get(params.customerId);
      if (!found) throw new ProblemError('not-found', `No customer ${params.customerId}.`);
      return { status: 200, body: found };
    },
  };
  const app = new Hono();
  app.onError(problemErrorHandler());
  const mismatches: string[] = [];
  registerCustomersV2(app, handlers, { responseValidation: 'enforce', onResponseMismatch: (op) => mismatches.push(op) });
  return { app, mismatches };
}

const json = (body: unknown, contentType = 'application/json') => ({
  method: 'POST',
  headers: { 'content-type': contentType },
  body: JSON.stringify(body),
});

describe('the typed server helper', () => {
  it('accepts a valid request and answers with the documented response', async () => {
    const { app, mismatches } = customerApp();
    const res = await app.request('/customers', json({ given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.org' }));
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/customers/cus_00000001');
    expect(await res.json()).toMatchObject({ given_name: 'Ada', name_prefix: null });
    expect(mismatches).toEqual([]);
  });

  it('rejects an invalid body with one problem+json entry per bad field', async () => {
    const { app } = customerApp();
    const res = await app.request('/customers', json({ given_name: '', email: 'not-an-email', shoe_size: 44 }));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = (await res.json()) as { errors: { pointer: string; message: string }[]; status: number; detail: string };
    expect(body.status).toBe(400);
    expect(body.errors.map((e) => e.pointer).sort()).toEqual(['/body/email', '/body/family_name', '/body/given_name', '/body/shoe_size']);
    expect(body.errors.find((e) => e.pointer === '/body/family_name')?.message).toBe('is required');
    expect(body.detail).toContain('/body/email');
  });

  it('coerces and checks parameters against their schemas', async () => {
    const { app } = customerApp();
    expect((await app.request('/customers?limit=5')).status).toBe(200);
    const bad = await app.request('/customers?limit=500&colour=blue');
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { errors: { pointer: string }[] };
    expect(body.errors.map((e) => e.pointer).sort()).toEqual(['/query/colour', '/query/limit']);
    const badId = await app.request('/customers/not-an-id');
    expect(((await badId.json()) as { errors: { pointer: string }[] }).errors[0]?.pointer).toBe('/path/customerId');
  });

  it('answers 415 for a media type the operation does not take, and 400 for broken JSON', async () => {
    const { app } = customerApp();
    const res = await app.request('/customers', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(res.status).toBe(415);
    const broken = await app.request('/customers', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"given_name":',
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { errors: { pointer: string }[] }).errors[0]?.pointer).toBe('/body');
  });

  it('accepts JSON Merge Patch for updates', async () => {
    const { app } = customerApp();
    await app.request('/customers', json({ given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.org' }));
    const res = await app.request('/customers/cus_00000001', {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ phone: null }),
    });
    expect(res.status).toBe(200);
  });
});

describe('the typed server helper, mixed failures', () => {
  it('names bad parameters and bad body fields in one answer', async () => {
    const { app } = customerApp();
    await app.request('/customers', json({ given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.org' }));
    const res = await app.request('/customers/bad-id', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nope' }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { pointer: string }[] };
    expect(body.errors.map((e) => e.pointer).sort()).toEqual(['/body/email', '/path/customerId']);
  });
});

describe('response validation', () => {
  it('reports an undocumented media type every time it is seen, naming the documented ones', async () => {
    const { createOperationValidator } = await import('./request-validator.ts');
    const { createContractAjv } = await import('./ajv.ts');
    const { listOperations } = await import('../document/openapi-document.ts');
    const { document } = await import('../../generated/customers.v2/document.ts');
    const entry = listOperations(document).find((e) => e.operationId === 'getCustomer')!;
    const validator = createOperationValidator(entry, createContractAjv());
    for (let i = 0; i < 2; i++) {
      expect(validator.validateResponse(200, 'text/html', '<html>')).toEqual([
        {
          pointer: '/headers/content-type',
          message: 'text/html is not documented for status 200 of getCustomer (documented: application/json)',
        },
      ]);
    }
    expect(validator.validateResponse(418, 'application/json', {})[0]?.pointer).toBe('/status');
    expect(validator.validateResponse(200, 'application/json', { id: 'x' }).map((e) => e.pointer)).toContain('/body/email');
  });
});
