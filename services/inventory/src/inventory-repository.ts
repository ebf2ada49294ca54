import type { Queryable } from '@concord/service-runtime/src/database/database.ts';
import { toIso, toIsoOrNull } from '@concord/service-runtime/src/http/timestamps.ts';
import type { Reservation, ReservationLine, StockItem } from './inventory.ts';

interface StockRow {
  sku: string;
  position: string | number;
  name: string;
  available: number;
  reserved: number;
  updated_at: Date | string;
}

interface ReservationRow {
  order_id: string;
  partner: string;
  status: Reservation['status'];
  lines: ReservationLine[];
  created_at: Date | string;
  released_at: Date | string | null;
}

const toStock = (r: StockRow): StockItem => ({
  sku: r.sku,
  name: r.name,
  available: r.available,
  reserved: r.reserved,
  updated_at: toIso(r.updated_at),
});
const toReservation = (r: ReservationRow): Reservation => ({
  order_id: r.order_id,
  status: r.status,
  lines: r.lines,
  created_at: toIso(r.created_at),
  released_at: toIsoOrNull(r.released_at),
});

/** A reservation with the partner it belongs to (the order's; the API never shows it). */
export interface OwnedReservation {
  reservation: Reservation;
  partner: string;
}

/** The only SQL about stock and reservations; each function takes the connection or transaction. */
export const inventoryRepository = {
  async findStock(db: Queryable, sku: string, forUpdate = false): Promise<StockItem | undefined> {
    const { rows } = await db.query<StockRow>(`SELECT * FROM stock WHERE sku = $1${forUpdate ? ' FOR UPDATE' : ''}`, [sku]);
    return rows[0] && toStock(rows[0]);
  },

  async pageStock(
    db: Queryable,
    limit: number,
    after: number | undefined,
  ): Promise<{ items: StockItem[]; nextPosition: number | undefined }> {
    const { rows } = await db.query<StockRow>(
      'SELECT * FROM stock WHERE ($1::bigint IS NULL OR position > $1::bigint) ORDER BY position LIMIT $2',
      [after === undefined ? null : String(after), limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toStock), nextPosition: rows.length > limit && last ? Number(last.position) : undefined };
  },

  /** Creates the SKU or sets its available units; `reserved` never changes here. */
  async setStock(db: Queryable, sku: string, available: number, name: string | undefined, now: string): Promise<StockItem> {
    const { rows } = await db.query<StockRow>(
      `INSERT INTO stock (sku, name, available, reserved, updated_at) VALUES ($1, COALESCE($2, $1), $3, 0, $4)
       ON CONFLICT (sku) DO UPDATE SET available = EXCLUDED.available, name = COALESCE($2, stock.name), updated_at = EXCLUDED.updated_at
       RETURNING *`,
      [sku, name ?? null, available, now],
    );
    return toStock(rows[0]!);
  },

  /** Moves `quantity` units from available to reserved (negative: back). */
  async moveToReserved(db: Queryable, sku: string, quantity: number, now: string): Promise<void> {
    await db.query('UPDATE stock SET available = available - $2, reserved = reserved + $2, updated_at = $3 WHERE sku = $1', [
      sku,
      quantity,
      now,
    ]);
  },

  /** `owner`: the partner whose reservation it must be, or null (internal, the consumer) for any. */
  async findReservation(db: Queryable, owner: string | null, orderId: string, forUpdate = false): Promise<OwnedReservation | undefined> {
    const { rows } = await db.query<ReservationRow>(
      `SELECT * FROM reservations WHERE order_id = $1 AND ($2::text IS NULL OR partner = $2::text)${forUpdate ? ' FOR UPDATE' : ''}`,
      [orderId, owner],
    );
    return rows[0] && { reservation: toReservation(rows[0]), partner: rows[0].partner };
  },

  async insertReservation(db: Queryable, partner: string, r: Reservation): Promise<void> {
    await db.query('INSERT INTO reservations (order_id, status, lines, created_at, released_at, partner) VALUES ($1, $2, $3, $4, $5, $6)', [
      r.order_id,
      r.status,
      JSON.stringify(r.lines),
      r.created_at,
      r.released_at,
      partner,
    ]);
  },

  async markReleased(db: Queryable, orderId: string, now: string): Promise<void> {
    await db.query("UPDATE reservations SET status = 'released', released_at = $2 WHERE order_id = $1", [orderId, now]);
  },
};
