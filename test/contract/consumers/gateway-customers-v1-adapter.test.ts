import { MatchersV3 } from '@pact-foundation/pact';
import { describe, expect, it } from 'vitest';
import { customersConfig, testGateway } from '@concord/gateway/src/testing/test-gateway.ts';
import { consumerPact } from '../support/consumer-pact.ts';
import { customerId, eachLike, JSON_TYPE, like, nullValue, timestamp } from '../support/shapes.ts';

/**
 * The gateway's customers v1 adapter -> the customers service (v2). The consumer is the real
 * gateway (buildGateway with the customers-v1-from-v2 adapter) pointed at the mock: a v1 call goes
 * in, and the pact records the v2 request the adapter makes and the v2 fields it maps back. The
 * gateway enforces the v1 response contract, so every field v1 promises is one the adapter needs.
 */
const { fromProviderState } = MatchersV3;
const pact = consumerPact('gateway-customers-v1-adapter', 'customers');
const CUSTOMER = 'cus_4f9a2b7c1d8e';

const v2Customer = () => ({
  id: customerId(CUSTOMER),
  name_prefix: like('Dr'),
  given_name: like('Ada'),
  family_name: like('Lovelace'),
  email: like('ada@example.com'),
  phone: nullValue(),
  address: nullValue(),
  created_at: timestamp(),
  updated_at: timestamp(),
});

async function callV1(url: string, method: string, path: string, body?: unknown, contentType = 'application/json') {
  const gateway = testGateway(customersConfig(url));
  try {
    const res = await gateway.app.request(path, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': contentType } }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  } finally {
    await gateway.close();
  }
}

describe('gateway customers v1 adapter -> customers', () => {
  it('serves a v1 customer from the v2 one', async () => {
    await pact
      .addInteraction()
      .given('a customer exists', { name_prefix: 'Dr', given_name: 'Ada', family_name: 'Lovelace' })
      .uponReceiving('a request for a customer, from the v1 adapter')
      .withRequest('GET', fromProviderState('/customers/${customerId}', `/customers/${CUSTOMER}`))
      .willRespondWith(200, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(v2Customer()))
      .executeTest(async (mock) => {
        const res = await callV1(mock.url, 'GET', `/v1/customers/${CUSTOMER}`);
        expect(res.status).toBe(200);
        expect(res.body.full_name).toBe('Dr Ada Lovelace');
      });
  });

  it('lists v1 customers from a v2 page', async () => {
    await pact
      .addInteraction()
      .given('a customer exists', { name_prefix: 'Dr', given_name: 'Ada', family_name: 'Lovelace' })
      .uponReceiving('a request for a page of customers, from the v1 adapter')
      .withRequest('GET', '/customers', (b) => b.query({ limit: '10' }))
      .willRespondWith(200, (b) =>
        b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({ data: eachLike(v2Customer()), next_cursor: nullValue() }),
      )
      .executeTest(async (mock) => {
        const res = await callV1(mock.url, 'GET', '/v1/customers?limit=10');
        expect(res.status).toBe(200);
        expect(res.body.data[0].full_name).toBe('Dr Ada Lovelace');
      });
  });

  it('registers a v1 customer by splitting its full name', async () => {
    await pact
      .addInteraction()
      .given('no customer has the email', { email: 'grace@example.com' })
      .uponReceiving('a registration with a split name, from the v1 adapter')
      .withRequest('POST', '/customers', (b) =>
        b
          .headers({ 'Content-Type': JSON_TYPE })
          .jsonBody({ name_prefix: 'Dr', given_name: 'Grace', family_name: 'Hopper', email: 'grace@example.com' }),
      )
      .willRespondWith(201, (b) =>
        b
          .headers({ 'Content-Type': JSON_TYPE })
          .jsonBody({ ...v2Customer(), name_prefix: 'Dr', given_name: 'Grace', family_name: 'Hopper', email: 'grace@example.com' }),
      )
      .executeTest(async (mock) => {
        const res = await callV1(mock.url, 'POST', '/v1/customers', { full_name: 'Dr Grace Hopper', email: 'grace@example.com' });
        expect(res.status).toBe(201);
        expect(res.body.full_name).toBe('Dr Grace Hopper');
      });
  });

  it('renames a v1 customer with a merge patch of the whole name', async () => {
    await pact
      .addInteraction()
      .given('a customer exists', { name_prefix: 'Dr', given_name: 'Ada', family_name: 'Lovelace' })
      .uponReceiving('a rename as a merge patch, from the v1 adapter')
      .withRequest('PATCH', fromProviderState('/customers/${customerId}', `/customers/${CUSTOMER}`), (b) =>
        b
          .headers({ 'Content-Type': 'application/merge-patch+json' })
          .jsonBody({ name_prefix: null, given_name: 'Ada', family_name: 'King' }),
      )
      .willRespondWith(200, (b) =>
        b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({ ...v2Customer(), name_prefix: null, given_name: 'Ada', family_name: 'King' }),
      )
      .executeTest(async (mock) => {
        const res = await callV1(mock.url, 'PATCH', `/v1/customers/${CUSTOMER}`, { full_name: 'Ada King' }, 'application/merge-patch+json');
        expect(res.status).toBe(200);
        expect(res.body.full_name).toBe('Ada King');
      });
  });
});
