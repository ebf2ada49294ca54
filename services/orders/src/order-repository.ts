import type { Queryable } from '@concord/service-runtime/src/database/database.ts';
import { toIso, toIsoOrNull } from '@concord/service-runtime/src/http/timestamps.ts';
import type { Order, OrderLine, OrderStatus } from './order.ts';

interface OrderRow {
  id: string;
  position: string | number;
  customer_id: string;
  status: OrderStatus;
  lines: OrderLine[];
  rejection_reason: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  cancelled_at: Date | string | null;
  partner: string;
}

function toOrder(r: OrderRow): Order {
  return {
    id: r.id,
    customer_id: r.customer_id,
    status: r.status,
    lines: r.lines,
    rejection_reason: r.rejection_reason,
    created_at: toIso(r.created_at),
    updated_at: toIso(r.updated_at),
    cancelled_at: toIsoOrNull(r.cancelled_at),
  };
}

/** An order with the partner it belongs to (which the API never shows). */
export interface OwnedOrder {
  order: Order;
  partner: string;
}

/**
 * Injected into the orders service, so tests can make a write fail where it hurts most. Reads take
 * the owner scope: a partner id sees that partner's orders only, null (internal) sees all.
 */
export interface OrderRepository {
  insert(db: Queryable, partner: string, order: Order): Promise<void>;
  find(db: Queryable, owner: string | null, id: string, forUpdate?: boolean): Promise<OwnedOrder | undefined>;
  update(db: Queryable, order: Order): Promise<void>;
  page(
    db: Queryable,
    q: {
      owner: string | null;
      limit: number;
      before?: number | undefined;
      status?: OrderStatus | undefined;
      customerId?: string | undefined;
    },
  ): Promise<{ orders: Order[]; nextPosition: number | undefined }>;
}

export const sqlOrderRepository: OrderRepository = {
  async insert(db, partner, o) {
    await db.query(
      `INSERT INTO orders (id, customer_id, status, lines, rejection_reason, created_at, updated_at, cancelled_at, partner)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [o.id, o.customer_id, o.status, JSON.stringify(o.lines), o.rejection_reason, o.created_at, o.updated_at, o.cancelled_at, partner],
    );
  },

  async find(db, owner, id, forUpdate = false) {
    const { rows } = await db.query<OrderRow>(
      `SELECT * FROM orders WHERE id = $1 AND ($2::text IS NULL OR partner = $2::text)${forUpdate ? ' FOR UPDATE' : ''}`,
      [id, owner],
    );
    return rows[0] && { order: toOrder(rows[0]), partner: rows[0].partner };
  },

  async update(db, o) {
    await db.query('UPDATE orders SET status = $2, updated_at = $3, cancelled_at = $4 WHERE id = $1', [
      o.id,
      o.status,
      o.updated_at,
      o.cancelled_at,
    ]);
  },

  async page(db, q) {
    const { rows } = await db.query<OrderRow>(
      `SELECT * FROM orders
        WHERE ($1::bigint IS NULL OR position < $1::bigint) AND ($2::text IS NULL OR status = $2::text) AND ($3::text IS NULL OR customer_id = $3::text)
          AND ($5::text IS NULL OR partner = $5::text)
        ORDER BY position DESC LIMIT $4`,
      [q.before === undefined ? null : String(q.before), q.status ?? null, q.customerId ?? null, q.limit + 1, q.owner],
    );
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { orders: page.map(toOrder), nextPosition: rows.length > q.limit && last ? Number(last.position) : undefined };
  },
};
