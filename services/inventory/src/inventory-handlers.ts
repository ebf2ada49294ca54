import type { InventoryV1Handlers } from '@concord/contracts/generated/inventory.v1/server.ts';
import { ProblemError } from '@concord/contracts/src/problem.ts';
import type { Clock } from '@concord/service-runtime/src/clock.ts';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { decodeCursor, encodeCursor } from '@concord/service-runtime/src/http/page-cursor.ts';
import { traceparentOf } from '@concord/service-runtime/src/http/traceparent.ts';
import { callerOf, creatingPartner, ownerScope } from '@concord/service-runtime/src/tenancy/caller.ts';
import { inventoryRepository as repo } from './inventory-repository.ts';
import type { StockLedger } from './stock-ledger.ts';

function notFound(detail: string): ProblemError {
  return new ProblemError('not-found', detail);
}

export function createInventoryHandlers(deps: { db: Database; ledger: StockLedger; clock: Clock }): InventoryV1Handlers {
  const { db, ledger, clock } = deps;
  return {
    async listStock({ query }) {
      const page = await repo.pageStock(db, query.limit ?? 20, decodeCursor(query.cursor));
      return {
        status: 200,
        body: { data: page.items, next_cursor: page.nextPosition === undefined ? null : encodeCursor(page.nextPosition) },
      };
    },

    async getStock({ params }) {
      const item = await repo.findStock(db, params.sku);
      if (!item) throw notFound(`SKU ${params.sku} does not exist.`);
      return { status: 200, body: item };
    },

    async setStock({ params, body }) {
      const item = await repo.setStock(db, params.sku, body.available, body.name, clock.now().toISOString());
      return { status: 200, body: item };
    },

    async createReservation({ body }, c) {
      const { reservation, created } = await ledger.reserve(body.order_id, body.lines, creatingPartner(callerOf(c)), traceparentOf(c));
      if (!created) return { status: 200, body: reservation };
      return { status: 201, body: reservation, headers: { location: `/reservations/${reservation.order_id}` } };
    },

    async getReservation({ params }, c) {
      const found = await repo.findReservation(db, ownerScope(callerOf(c)), params.orderId);
      if (!found) throw notFound(`There is no reservation for order ${params.orderId}.`);
      return { status: 200, body: found.reservation };
    },

    async releaseReservation({ params, query }, c) {
      const reservation = await db.transaction((tx) =>
        ledger.release(tx, ownerScope(callerOf(c)), params.orderId, query.reason ?? 'manual', traceparentOf(c)),
      );
      if (!reservation) throw notFound(`There is no reservation for order ${params.orderId}.`);
      return { status: 200, body: reservation };
    },
  };
}
