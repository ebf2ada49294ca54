import { eventCatalog } from '@concord/contracts/generated/events.v1/catalog.ts';
import type { Clock } from '@concord/service-runtime/src/clock.ts';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import type { ConsumerLatency } from '@concord/service-runtime/src/events/consumer-latency.ts';
import type { BusHandler } from '@concord/service-runtime/src/events/event-bus.ts';
import { createIdempotentConsumer } from '@concord/service-runtime/src/events/idempotent-consumer.ts';
import type { StockLedger } from './stock-ledger.ts';

export const ORDER_CANCELLED_SUBJECT = eventCatalog['order.cancelled'].channel;

/**
 * Releases a cancelled order's stock. The event id is recorded with the release in one
 * transaction, so a redelivered `order.cancelled` finds it and releases nothing.
 */
export function createOrderCancelledConsumer(deps: {
  db: Database;
  ledger: StockLedger;
  onInvalid: (detail: string) => void;
  latency?: ConsumerLatency;
  clock?: Clock;
}): BusHandler & { applied(): number } {
  return createIdempotentConsumer({
    db: deps.db,
    consumer: 'inventory.release-on-order-cancelled',
    event: 'order.cancelled',
    handle: async (tx, event) => {
      // The event is the orders service's word, not a partner's request: any partner's reservation.
      await deps.ledger.release(tx, null, event.data.id, 'order_cancelled', event.traceparent);
    },
    onInvalid: (message, errors) =>
      deps.onInvalid(`order.cancelled ${message.msgId} breaks the contract and was dropped: ${JSON.stringify(errors)}`),
    latency: deps.latency,
    clock: deps.clock,
  });
}
