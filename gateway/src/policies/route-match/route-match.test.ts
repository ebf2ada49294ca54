import { describe, expect, it } from 'vitest';
import { policyApp } from '../../testing/policy-app.ts';

describe('route match', () => {
  const app = policyApp(
    () => [],
    (c) => c.json({ operation: c.get('route').operationId, contract: c.get('route').contract, params: c.get('pathParams') }),
  );

  it('matches the public path of a contract operation and decodes its parameters', async () => {
    const res = await app.request('/v1/customers/cus_%41bcdefgh1');
    expect(await res.json()).toEqual({ operation: 'getCustomer', contract: 'customers.v1', params: { customerId: 'cus_Abcdefgh1' } });
  });

  it('404 for a path no contract defines, 405 with Allow for a method it does not', async () => {
    expect((await app.request('/v2/orders')).status).toBe(404);
    expect((await app.request('/v2/customers/')).status).toBe(404);
    const res = await app.request('/v2/customers', { method: 'PUT' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
    expect(await res.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED', type: 'https://concord.dev/problems/method-not-allowed' });
  });

  it('matches a preflight by the method it asks about', async () => {
    const res = await app.request('/v2/customers', {
      method: 'OPTIONS',
      headers: { origin: 'https://x.example', 'access-control-request-method': 'POST' },
    });
    expect(await res.json()).toMatchObject({ operation: 'createCustomer' });
  });
});
