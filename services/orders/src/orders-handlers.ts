import type { OrdersV1Handlers } from '@concord/contracts/generated/orders.v1/server.ts';
import type { Clock } from '@concord/service-runtime/src/clock.ts';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { decodeCursor, encodeCursor } from '@concord/service-runtime/src/http/page-cursor.ts';
import { traceparentOf } from '@concord/service-runtime/src/http/traceparent.ts';
import { callerOf, creatingPartner, ownerScope } from '@concord/service-runtime/src/tenancy/caller.ts';
import type { PartnerOutbox } from '@concord/service-runtime/src/tenancy/partner-events.ts';
import type { Order } from './order.ts';
import { orderProblems } from './order-problems.ts';
import type { OrderRepository } from './order-repository.ts';
import type { createPlaceOrder } from './place-order.ts';

export interface OrdersHandlerDeps {
  db: Database;
  repository: OrderRepository;
  outbox: PartnerOutbox;
  clock: Clock;
  placeOrder: ReturnType<typeof createPlaceOrder>;
}

export function createOrdersHandlers(deps: OrdersHandlerDeps): OrdersV1Handlers {
  const { db, repository, outbox, clock, placeOrder } = deps;
  return {
    async listOrders({ query }, c) {
      const page = await repository.page(db, {
        owner: ownerScope(callerOf(c)),
        limit: query.limit ?? 20,
        before: decodeCursor(query.cursor),
        status: query.status,
        customerId: query.customer_id,
      });
      return {
        status: 200,
        body: { data: page.orders, next_cursor: page.nextPosition === undefined ? null : encodeCursor(page.nextPosition) },
      };
    },

    async createOrder({ body, headers }, c) {
      const result = await placeOrder(creatingPartner(callerOf(c)), body, headers['Idempotency-Key'], traceparentOf(c));
      // placeOrder throws the 409; what comes back is always the 201.
      if (result.status !== 201) throw new Error('placeOrder returned a non-201 response');
      return { status: 201, body: result.body, headers: { location: `/orders/${result.body.id}` } };
    },

    async getOrder({ params }, c) {
      const found = await repository.find(db, ownerScope(callerOf(c)), params.orderId);
      if (!found) throw orderProblems.notFound(params.orderId);
      return { status: 200, body: found.order };
    },

    async cancelOrder({ params }, c) {
      const cancelled = await db.transaction(async (tx) => {
        const found = await repository.find(tx, ownerScope(callerOf(c)), params.orderId, true);
        if (!found) throw orderProblems.notFound(params.orderId);
        const order = found.order;
        if (order.status !== 'confirmed') throw orderProblems.notCancellable(order.id, order.status);
        const now = clock.now().toISOString();
        const next: Order = { ...order, status: 'cancelled', updated_at: now, cancelled_at: now };
        await repository.update(tx, next);
        // Inventory releases the stock when it consumes this event (idempotently, by event id).
        await outbox.appendEvent(tx, 'order.cancelled', next, { subject: next.id, partner: found.partner, traceparent: traceparentOf(c) });
        return next;
      });
      return { status: 200, body: cancelled };
    },
  };
}
