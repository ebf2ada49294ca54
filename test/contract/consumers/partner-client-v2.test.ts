import { MatchersV3 } from '@pact-foundation/pact';
import { describe, expect, it } from 'vitest';
import { createCustomersV2Client } from '@concord/contracts/generated/customers.v2/client.ts';
import { consumerPact } from '../support/consumer-pact.ts';
import { customerId, eachLike, JSON_TYPE, like, regex } from '../support/shapes.ts';

/** A partner on the public v2 API (customers v2), through the generated typed client. */
const { fromProviderState } = MatchersV3;
const pact = consumerPact('partner-client-v2', 'concord-gateway');
const AUTH = { authorization: regex('^Bearer .+', 'Bearer partner-token') };
const headers = { authorization: 'Bearer partner-token' };
const CUSTOMER = 'cus_4f9a2b7c1d8e';

describe('partner client (v2) -> gateway', () => {
  it('registers a customer and gets its id back', async () => {
    await pact
      .addInteraction()
      .given('no customer has the email', { email: 'grace.hopper@example.com' })
      .uponReceiving('a v2 request to register a customer')
      .withRequest('POST', '/v2/customers', (b) =>
        b
          .headers({ ...AUTH, 'Content-Type': JSON_TYPE })
          .jsonBody({ given_name: 'Grace', family_name: 'Hopper', email: 'grace.hopper@example.com' }),
      )
      .willRespondWith(201, (b) =>
        b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({ id: customerId(CUSTOMER), given_name: 'Grace', family_name: 'Hopper' }),
      )
      .executeTest(async (mock) => {
        const client = createCustomersV2Client({ baseUrl: `${mock.url}/v2`, headers });
        const { data, response } = await client.POST('/customers', {
          body: { given_name: 'Grace', family_name: 'Hopper', email: 'grace.hopper@example.com' },
        });
        expect(response.status).toBe(201);
        expect(data?.id).toMatch(/^cus_/);
      });
  });

  it('reads a customer with its split name', async () => {
    await pact
      .addInteraction()
      .given('a customer exists', { full_name: 'Ada Lovelace' })
      .uponReceiving('a v2 request for a customer')
      .withRequest('GET', fromProviderState('/v2/customers/${customerId}', `/v2/customers/${CUSTOMER}`), (b) => b.headers(AUTH))
      .willRespondWith(200, (b) =>
        b
          .headers({ 'Content-Type': JSON_TYPE })
          .jsonBody({ id: customerId(CUSTOMER), given_name: like('Ada'), family_name: like('Lovelace'), email: like('ada@example.com') }),
      )
      .executeTest(async (mock) => {
        const client = createCustomersV2Client({ baseUrl: `${mock.url}/v2`, headers });
        const { data } = await client.GET('/customers/{customerId}', { params: { path: { customerId: CUSTOMER } } });
        expect(`${data?.given_name} ${data?.family_name}`).toBe('Ada Lovelace');
      });
  });

  it('finds customers by email, one page at a time', async () => {
    await pact
      .addInteraction()
      .given('a customer exists', { full_name: 'Ada Lovelace', email: 'ada.lovelace@example.com' })
      .uponReceiving('a v2 search for customers by email')
      .withRequest('GET', '/v2/customers', (b) => b.headers(AUTH).query({ email: 'ada.lovelace@example.com', limit: '10' }))
      .willRespondWith(200, (b) =>
        b
          .headers({ 'Content-Type': JSON_TYPE })
          .jsonBody({ data: eachLike({ id: customerId(CUSTOMER), email: 'ada.lovelace@example.com' }), next_cursor: null }),
      )
      .executeTest(async (mock) => {
        const client = createCustomersV2Client({ baseUrl: `${mock.url}/v2`, headers });
        const { data } = await client.GET('/customers', { params: { query: { email: 'ada.lovelace@example.com', limit: 10 } } });
        expect(data?.data[0]?.email).toBe('ada.lovelace@example.com');
        expect(data?.next_cursor).toBeNull();
      });
  });
});
