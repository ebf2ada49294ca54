import type { Queryable } from '@concord/service-runtime/src/database/database.ts';
import { toIso, toIsoOrNull } from '@concord/service-runtime/src/http/timestamps.ts';
import type { IdempotencyRecord, Order, OrderLine, OrderStatus } from './order.ts';

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
  idempotency_key: string | null;
  request_hash: string | null;
  response_status: number | null;
  response_body: string | null;
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

/** Injected into the orders service, so tests can make a write fail where it hurts most. */
export interface OrderRepository {
  /** Inserts a new order, with the Idempotency-Key record when the request carried one. */
  insert(db: Queryable, order: Order, idempotency?: IdempotencyRecord): Promise<void>;
  find(db: Queryable, id: string, forUpdate?: boolean): Promise<Order | undefined>;
  findByIdempotencyKey(db: Queryable, key: string): Promise<IdempotencyRecord | undefined>;
  update(db: Queryable, order: Order): Promise<void>;
  page(
    db: Queryable,
    q: { limit: number; before?: number | undefined; status?: OrderStatus | undefined; customerId?: string | undefined },
  ): Promise<{ orders: Order[]; nextPosition: number | undefined }>;
}

export const sqlOrderRepository: OrderRepository = {
  async insert(db, o, idempotency) {
    await db.query(
      `INSERT INTO orders (id, customer_id, status, lines, rejection_reason, created_at, updated_at, cancelled_at, idempotency_key, request_hash, response_status, response_body)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        o.id,
        o.customer_id,
        o.status,
        JSON.stringify(o.lines),
        o.rejection_reason,
        o.created_at,
        o.updated_at,
        o.cancelled_at,
        idempotency?.key ?? null,
        idempotency?.requestHash ?? null,
        idempotency?.response.status ?? null,
        idempotency ? JSON.stringify(idempotency.response.body) : null,
      ],
    );
  },

  async find(db, id, forUpdate = false) {
    const { rows } = await db.query<OrderRow>(`SELECT * FROM orders WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] && toOrder(rows[0]);
  },

  async findByIdempotencyKey(db, key) {
    const { rows } = await db.query<OrderRow>('SELECT * FROM orders WHERE idempotency_key = $1', [key]);
    const row = rows[0];
    if (!row || row.request_hash === null || row.response_status === null || row.response_body === null) return undefined;
    const body: unknown = JSON.parse(row.response_body);
    return { key, requestHash: row.request_hash, response: { status: row.response_status, body } as IdempotencyRecord['response'] };
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
        ORDER BY position DESC LIMIT $4`,
      [q.before === undefined ? null : String(q.before), q.status ?? null, q.customerId ?? null, q.limit + 1],
    );
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { orders: page.map(toOrder), nextPosition: rows.length > q.limit && last ? Number(last.position) : undefined };
  },
};
