import { ProblemError, problemType, type FieldError } from '@concord/contracts/src/problem.ts';
import type { Clock } from '@concord/service-runtime/src/clock.ts';
import type { Database, Queryable } from '@concord/service-runtime/src/database/database.ts';
import { isUniqueViolation } from '@concord/service-runtime/src/database/sql-errors.ts';
import type { Outbox } from '@concord/service-runtime/src/events/outbox.ts';
import type { ReleaseReason, Reservation, ReservationLine } from './inventory.ts';
import { inventoryRepository as repo } from './inventory-repository.ts';

export interface ReserveResult {
  reservation: Reservation;
  /** False when the order already had a reservation, which is returned unchanged. */
  created: boolean;
}

export interface StockLedger {
  reserve(orderId: string, lines: ReservationLine[], traceparent?: string): Promise<ReserveResult>;
  /** Undefined when the order has no reservation. Releasing twice changes nothing the second time. */
  release(tx: Queryable, orderId: string, reason: ReleaseReason, traceparent?: string): Promise<Reservation | undefined>;
}

/**
 * Reserving and releasing, all or nothing. Stock rows are locked in SKU order, so two
 * reservations touching the same SKUs queue instead of deadlocking or overselling.
 */
export function createStockLedger(deps: { db: Database; outbox: Outbox; clock: Clock }): StockLedger {
  const { db, outbox, clock } = deps;

  async function reserveIn(tx: Queryable, orderId: string, lines: ReservationLine[], traceparent?: string): Promise<ReserveResult> {
    const existing = await repo.findReservation(tx, orderId);
    if (existing) return { reservation: existing, created: false };
    const wanted = new Map<string, number>();
    for (const line of lines) wanted.set(line.sku, (wanted.get(line.sku) ?? 0) + line.quantity);
    const available = new Map<string, number>();
    for (const sku of [...wanted.keys()].sort()) {
      const item = await repo.findStock(tx, sku, true);
      if (item) available.set(sku, item.available);
    }
    const unknown: FieldError[] = [];
    const short: FieldError[] = [];
    lines.forEach((line, i) => {
      const have = available.get(line.sku);
      if (have === undefined) unknown.push({ pointer: `/body/lines/${i}/sku`, message: `SKU ${line.sku} does not exist` });
      else if (have < wanted.get(line.sku)!) short.push({ pointer: `/body/lines/${i}/quantity`, message: `only ${have} available` });
    });
    if (unknown.length > 0) {
      const skus = unknown.map((e) => e.message.split(' ')[1]).join(', ');
      throw new ProblemError({
        status: 422,
        type: problemType('unknown-sku'),
        title: 'Unknown SKU',
        detail: `SKU ${skus} does not exist.`,
        errors: unknown,
      });
    }
    if (short.length > 0) {
      const detail = [...wanted]
        .filter(([sku, q]) => available.get(sku)! < q)
        .map(([sku, q]) => `Only ${available.get(sku)} of the ${q} units of ${sku} are available.`);
      throw new ProblemError({
        status: 409,
        type: problemType('insufficient-stock'),
        title: 'Insufficient stock',
        detail: detail.join(' '),
        errors: short,
      });
    }
    const now = clock.now().toISOString();
    for (const [sku, quantity] of wanted) await repo.moveToReserved(tx, sku, quantity, now);
    const reservation: Reservation = {
      order_id: orderId,
      status: 'reserved',
      lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      created_at: now,
      released_at: null,
    };
    await repo.insertReservation(tx, reservation);
    await outbox.appendEvent(
      tx,
      'inventory.reserved',
      { order_id: orderId, lines: reservation.lines, occurred_at: now },
      { subject: orderId, traceparent },
    );
    return { reservation, created: true };
  }

  return {
    async reserve(orderId, lines, traceparent) {
      try {
        return await db.transaction((tx) => reserveIn(tx, orderId, lines, traceparent));
      } catch (err) {
        // Two first attempts for one order raced: the loser returns the winner's reservation.
        if (!isUniqueViolation(err, 'reservations_pkey')) throw err;
        const reservation = await repo.findReservation(db, orderId);
        if (!reservation) throw err;
        return { reservation, created: false };
      }
    },

    async release(tx, orderId, reason, traceparent) {
      const reservation = await repo.findReservation(tx, orderId, true);
      if (!reservation || reservation.status === 'released') return reservation;
      const now = clock.now().toISOString();
      const wanted = new Map<string, number>();
      for (const line of reservation.lines) wanted.set(line.sku, (wanted.get(line.sku) ?? 0) + line.quantity);
      for (const sku of [...wanted.keys()].sort()) await repo.moveToReserved(tx, sku, -wanted.get(sku)!, now);
      await repo.markReleased(tx, orderId, now);
      await outbox.appendEvent(
        tx,
        'inventory.released',
        { order_id: orderId, lines: reservation.lines, reason, occurred_at: now },
        { subject: orderId, traceparent },
      );
      return { ...reservation, status: 'released', released_at: now };
    },
  };
}
