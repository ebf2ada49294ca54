import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCatalog } from '@concord/contracts/generated/events.v1/catalog.ts';
import { createInventoryService, type InventoryService } from '@concord/service-inventory/src/inventory-service.ts';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { createPgliteDatabase } from '@concord/service-runtime/src/database/pglite-database.ts';
import { createInProcessBus } from '@concord/service-runtime/src/events/in-process-bus.ts';
import { consumerPact } from '../support/consumer-pact.ts';
import { envelope, orderData } from '../support/event-shapes.ts';
import { orderId, PACT_PARTNER, PARTNER_HEADER, timestamp } from '../support/shapes.ts';
import { eventDescription } from '@concord/contracts/src/pact/provider-definition.ts';

/**
 * inventory consumes order.cancelled from orders: the message goes through inventory's real bus
 * handler (validation against the contract, idempotency record, release), which must release the
 * order's reservation.
 */
const pact = consumerPact('inventory', 'orders');
const bus = createInProcessBus();
let db: Database;
let inventory: InventoryService;

beforeAll(async () => {
  db = await createPgliteDatabase({ dataDir: 'memory://', schema: 'inventory' });
  inventory = await createInventoryService({ db, bus, onError: () => {} });
});
afterAll(async () => {
  await bus.close();
  await db?.close();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await inventory.app.request(path, {
    method,
    headers: { [PARTNER_HEADER]: PACT_PARTNER, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return (await res.json()) as Record<string, any>;
}

describe('inventory <- orders: order.cancelled', () => {
  it('releases the stock of a cancelled order', async () => {
    await pact
      .addAsynchronousInteraction()
      .given('a confirmed order was cancelled')
      .expectsToReceive(eventDescription('order.cancelled'), (b) =>
        b
          .withJSONContent(envelope('order.cancelled', orderId(), orderData('cancelled', timestamp())))
          .withMetadata({ subject: eventCatalog['order.cancelled'].channel }),
      )
      .executeTest(async (message) => {
        const event = message.contents.content as { id: string; data: { id: string; lines: { sku: string; quantity: number }[] } };
        const order = event.data.id;
        for (const line of event.data.lines) await call('PUT', `/stock/${line.sku}`, { available: 100 });
        await call('POST', '/reservations', { order_id: order, lines: event.data.lines });
        await inventory.onOrderCancelled({
          subject: eventCatalog['order.cancelled'].channel,
          msgId: event.id,
          envelope: event,
          deliveryCount: 1,
        });
        expect(inventory.onOrderCancelled.applied()).toBe(1);
        expect((await call('GET', `/reservations/${order}`)).status).toBe('released');
      });
  });
});
