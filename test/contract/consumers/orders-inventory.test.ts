import { MatchersV3 } from '@pact-foundation/pact';
import { describe, expect, it } from 'vitest';
import { createInventoryV1Client } from '@concord/contracts/generated/inventory.v1/client.ts';
import { createInventoryReservations } from '@concord/service-orders/src/inventory-reservations.ts';
import { consumerPact } from '../support/consumer-pact.ts';
import {
  eachLike,
  integer,
  JSON_TYPE,
  orderId,
  PACT_PARTNER,
  PARTNER_HEADER,
  PROBLEM_JSON,
  problemWithErrors,
  sku,
} from '../support/shapes.ts';

/**
 * orders -> inventory, through the very code orders runs: createInventoryReservations over the
 * generated inventory client. Orders reads only the status of a reservation, and `detail` and
 * `errors` of a refusal, so that is all the pact asks of inventory. Every call names the order's
 * partner, who owns the reservation.
 */
const pact = consumerPact('orders', 'inventory');
const reservations = (url: string) => createInventoryReservations(createInventoryV1Client({ baseUrl: url }), { timeoutMs: 5000 });
const ORDER = 'ord_8KdW3nYq5TzR';

describe('orders -> inventory', () => {
  it('reserves stock for every line of an order', async () => {
    await pact
      .addInteraction()
      .given('a SKU has stock', { sku: 'TEA-EARLGREY-250', available: 10 })
      .uponReceiving('a reservation for an order whose lines are in stock')
      .withRequest('POST', '/reservations', (b) =>
        b
          .headers({ 'Content-Type': JSON_TYPE, [PARTNER_HEADER]: PACT_PARTNER })
          .jsonBody({ order_id: orderId(ORDER), lines: eachLike({ sku: sku(), quantity: integer(2) }) }),
      )
      .willRespondWith(201)
      .executeTest(async (mock) => {
        const outcome = await reservations(mock.url).reserve(ORDER, [{ sku: 'TEA-EARLGREY-250', quantity: 2 }], PACT_PARTNER);
        expect(outcome).toEqual({ kind: 'reserved' });
      });
  });

  it('learns which line is short of stock', async () => {
    await pact
      .addInteraction()
      .given('a SKU has stock', { sku: 'TEA-EARLGREY-250', available: 1 })
      .uponReceiving('a reservation for more units than are available')
      .withRequest('POST', '/reservations', (b) =>
        b
          .headers({ 'Content-Type': JSON_TYPE, [PARTNER_HEADER]: PACT_PARTNER })
          .jsonBody({ order_id: orderId(ORDER), lines: eachLike({ sku: sku(), quantity: integer(5) }) }),
      )
      .willRespondWith(409, (b) => b.headers({ 'Content-Type': PROBLEM_JSON }).jsonBody(problemWithErrors(409)))
      .executeTest(async (mock) => {
        const outcome = await reservations(mock.url).reserve(ORDER, [{ sku: 'TEA-EARLGREY-250', quantity: 5 }], PACT_PARTNER);
        expect(outcome.kind).toBe('insufficient-stock');
        if (outcome.kind !== 'reserved') {
          expect(outcome.detail).toEqual(expect.any(String));
          expect(outcome.errors[0]).toEqual({ pointer: expect.any(String), message: expect.any(String) });
        }
      });
  });

  it('learns that a SKU does not exist', async () => {
    await pact
      .addInteraction()
      .given('a SKU does not exist', { sku: 'TEA-NOSUCH-1' })
      .uponReceiving('a reservation for an unknown SKU')
      .withRequest('POST', '/reservations', (b) =>
        b
          .headers({ 'Content-Type': JSON_TYPE, [PARTNER_HEADER]: PACT_PARTNER })
          .jsonBody({ order_id: orderId(ORDER), lines: eachLike({ sku: sku('TEA-NOSUCH-1'), quantity: integer(1) }) }),
      )
      .willRespondWith(422, (b) => b.headers({ 'Content-Type': PROBLEM_JSON }).jsonBody(problemWithErrors(422)))
      .executeTest(async (mock) => {
        const outcome = await reservations(mock.url).reserve(ORDER, [{ sku: 'TEA-NOSUCH-1', quantity: 1 }], PACT_PARTNER);
        expect(outcome.kind).toBe('unknown-sku');
      });
  });

  it('releases the reservation of an order it could not save', async () => {
    await pact
      .addInteraction()
      .given('an order has a reservation', { orderId: ORDER, sku: 'TEA-EARLGREY-250', quantity: 2 })
      .uponReceiving('the release of an existing reservation')
      .withRequest('POST', MatchersV3.regex('^/reservations/ord_[0-9A-Za-z]{8,32}/release$', `/reservations/${ORDER}/release`), (b) =>
        b.query({ reason: 'order_write_failed' }).headers({ [PARTNER_HEADER]: PACT_PARTNER }),
      )
      .willRespondWith(200)
      .executeTest(async (mock) => {
        expect(await reservations(mock.url).release(ORDER, PACT_PARTNER)).toBe(true);
      });
  });
});
