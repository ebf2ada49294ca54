import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { createNatsBus } from '@concord/service-runtime/src/events/nats-bus.ts';

export interface OrderRow {
  id: string;
  key: string;
  status: string;
}

/** Reads what the services persisted and published, straight from the private servers. */
export function createLedger(db: Database, natsUrl: string) {
  const query = async <R>(sql: string, params: (string | string[])[] = []): Promise<R[]> =>
    // Arrays go as PostgreSQL array literals: the Database seam binds scalars only.
    (
      await db.query<R>(
        sql,
        params.map((p) => (Array.isArray(p) ? `{${p.map((v) => `"${v}"`).join(',')}}` : p)),
      )
    ).rows;
  return {
    query,
    /** The orders written under these Idempotency-Keys. */
    ordersByKey: (keys: string[]) =>
      // Keys are per partner, in their own table, completed in the order's transaction.
      query<OrderRow>(
        `SELECT o.id, k.key, o.status FROM orders.idempotency_keys k JOIN orders.orders o ON o.id = k.order_id
          WHERE k.partner = 'demo-partner' AND k.key = ANY($1::text[])`,
        [keys],
      ),
    stock: async (sku: string) =>
      (await query<{ available: number; reserved: number }>('SELECT available, reserved FROM inventory.stock WHERE sku = $1', [sku]))[0]!,
    /** Reservations of `sku` still held for an order that orders does not have. */
    orphans: (sku: string) =>
      query<{ order_id: string; status: string }>(
        `SELECT r.order_id, r.status FROM inventory.reservations r
          WHERE r.lines @> $1::jsonb AND NOT EXISTS (SELECT 1 FROM orders.orders o WHERE o.id = r.order_id)`,
        [JSON.stringify([{ sku }])],
      ),
    reservationsOf: (orderIds: string[]) =>
      query<{ order_id: string; status: string }>('SELECT order_id, status FROM inventory.reservations WHERE order_id = ANY($1::text[])', [
        orderIds,
      ]),
    /** Every message on the stream, counted per (event type, order id) and per event id. */
    async published(): Promise<{ perOrder: Map<string, number>; duplicateIds: number }> {
      const bus = await createNatsBus({ url: natsUrl });
      try {
        const all = await bus.readAll();
        const perOrder = new Map<string, number>();
        const ids = new Map<string, number>();
        for (const m of all) {
          const envelope = m.envelope as { id: string; type: string; subject: string };
          ids.set(envelope.id, (ids.get(envelope.id) ?? 0) + 1);
          const k = `${envelope.type} ${envelope.subject}`;
          perOrder.set(k, (perOrder.get(k) ?? 0) + 1);
        }
        return { perOrder, duplicateIds: [...ids.values()].filter((n) => n > 1).length };
      } finally {
        await bus.close();
      }
    },
  };
}

export type Ledger = ReturnType<typeof createLedger>;
