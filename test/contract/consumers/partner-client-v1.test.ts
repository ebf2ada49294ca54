import { MatchersV3 } from '@pact-foundation/pact';
import { describe, expect, it } from 'vitest';
import { createCustomersV1Client } from '@concord/contracts/generated/customers.v1/client.ts';
import { createInventoryV1Client } from '@concord/contracts/generated/inventory.v1/client.ts';
import { createOrdersV1Client } from '@concord/contracts/generated/orders.v1/client.ts';
import { consumerPact } from '../support/consumer-pact.ts';
import { customerId, eachLike, integer, JSON_TYPE, like, orderId, regex, sku } from '../support/shapes.ts';

/**
 * A partner on the public v1 APIs (customers v1, orders v1, inventory v1), through the generated
 * typed clients a partner builds against the gateway. The token is a placeholder: the provider's
 * request filter swaps in a real one from the gateway's issuer. Ids come from provider states.
 */
const { fromProviderState } = MatchersV3;
const pact = consumerPact('partner-client-v1', 'concord-gateway');
const AUTH = { authorization: regex('^Bearer .+', 'Bearer partner-token') };
const headers = { authorization: 'Bearer partner-token' };
const CUSTOMER = 'cus_4f9a2b7c1d8e';
const ORDER = 'ord_8KdW3nYq5TzR';

describe('partner client (v1) -> gateway', () => {
  it('reads a customer with its v1 full name', async () => {
    await pact
      .addInteraction()
      .given('a customer exists', { full_name: 'Ada Lovelace' })
      .uponReceiving('a v1 request for a customer')
      .withRequest('GET', fromProviderState('/v1/customers/${customerId}', `/v1/customers/${CUSTOMER}`), (b) => b.headers(AUTH))
      .willRespondWith(200, (b) =>
        b
          .headers({ 'Content-Type': JSON_TYPE })
          .jsonBody({ id: customerId(CUSTOMER), full_name: like('Ada Lovelace'), email: like('ada@example.com') }),
      )
      .executeTest(async (mock) => {
        const client = createCustomersV1Client({ baseUrl: `${mock.url}/v1`, headers });
        const { data } = await client.GET('/customers/{customerId}', { params: { path: { customerId: CUSTOMER } } });
        expect(data?.full_name).toBe('Ada Lovelace');
        expect(data?.email).toEqual(expect.any(String));
      });
  });

  it('places an order for a customer and learns its id and status', async () => {
    await pact
      .addInteraction()
      .given('a customer exists', { full_name: 'Ada Lovelace' })
      .given('a SKU has stock', { sku: 'TEA-EARLGREY-250', available: 10 })
      .uponReceiving('a v1 order for SKUs in stock')
      .withRequest('POST', '/v1/orders', (b) =>
        b
          .headers({ ...AUTH, 'Content-Type': JSON_TYPE })
          .jsonBody({ customer_id: fromProviderState('${customerId}', CUSTOMER), lines: eachLike({ sku: sku(), quantity: integer(2) }) }),
      )
      .willRespondWith(201, (b) =>
        b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({ id: orderId(ORDER), status: regex('^(pending|confirmed)$', 'confirmed') }),
      )
      .executeTest(async (mock) => {
        const client = createOrdersV1Client({ baseUrl: `${mock.url}/v1`, headers });
        const { data, response } = await client.POST('/orders', {
          body: { customer_id: CUSTOMER, lines: [{ sku: 'TEA-EARLGREY-250', quantity: 2 }] },
        });
        expect(response.status).toBe(201);
        expect(data?.id).toMatch(/^ord_/);
        expect(data?.status).toBe('confirmed');
      });
  });

  it('cancels a confirmed order', async () => {
    await pact
      .addInteraction()
      .given('a confirmed order exists')
      .uponReceiving('a v1 cancellation of a confirmed order')
      .withRequest('POST', fromProviderState('/v1/orders/${orderId}/cancel', `/v1/orders/${ORDER}/cancel`), (b) => b.headers(AUTH))
      .willRespondWith(200, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({ id: orderId(ORDER), status: 'cancelled' }))
      .executeTest(async (mock) => {
        const client = createOrdersV1Client({ baseUrl: `${mock.url}/v1`, headers });
        const { data } = await client.POST('/orders/{orderId}/cancel', { params: { path: { orderId: ORDER } } });
        expect(data?.status).toBe('cancelled');
      });
  });

  it('reads the stock level of a SKU', async () => {
    await pact
      .addInteraction()
      .given('a SKU has stock', { sku: 'TEA-EARLGREY-250', available: 10 })
      .uponReceiving('a v1 request for the stock of a SKU')
      .withRequest('GET', '/v1/stock/TEA-EARLGREY-250', (b) => b.headers(AUTH))
      .willRespondWith(200, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({ sku: 'TEA-EARLGREY-250', available: integer(10) }))
      .executeTest(async (mock) => {
        const client = createInventoryV1Client({ baseUrl: `${mock.url}/v1`, headers });
        const { data } = await client.GET('/stock/{sku}', { params: { path: { sku: 'TEA-EARLGREY-250' } } });
        expect(data?.available).toBe(10);
      });
  });
});
