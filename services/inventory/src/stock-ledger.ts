import { ProblemError, type FieldError } from '@concord/contracts/src/problem.ts';
import type { Clock } from '@concord/service-runtime/src/clock.ts';
import type { Database, Queryable } from '@concord/service-runtime/src/database/database.ts';
import { isUniqueViolation } from '@concord/service-runtime/src/database/sql-errors.ts';
import type { PartnerOutbox } from '@concord/service-runtime/src/tenancy/partner-events.ts';
import type { ReleaseReason, Reservation, ReservationLine } from './inventory.ts';
import { inventoryRepository as repo } from './inventory-repository.ts';

export interface ReserveResult {
  reservation: Reservation;
  /** False when the order already had a reservation, which is returned unchanged. */
  created: boolean;
}

export interface StockLedger {
  /** Reserves for `partner`'s order; the reservation is that partner's. */
  reserve(orderId: string, lines: ReservationLine[], partner: string, traceparent?: string): Promise<ReserveResult>;
  /**
   * Undefined when the order has no reservation `owner` may see (null: any partner's). Releasing
   * twice changes nothing the second time.
   */
  release(
    tx: Queryable,
    owner: string | null,
    orderId: string,
    reason: ReleaseReason,
    traceparent?: string,
  ): Promise<Reservation | undefined>;
}

/**
 * Reserving and releasing, all or nothing. Stock rows are locked in SKU order, so two
 * reservations touching the same SKUs queue instead of deadlocking or overselling.
 */
export function createStockLedger(deps: { db: Database; outbox: PartnerOutbox; clock: Clock }): StockLedger {
  const { db, outbox, clock } = deps;

  /** Order ids are minted by the orders service; one already reserved by another partner is refused. */
  function orderIdTaken(orderId: string): ProblemError {
    return new ProblemError('conflict', `Order id ${orderId} cannot be reserved by this partner.`);
  }

  async function reserveIn(
    tx: Queryable,
    orderId: string,
    lines: ReservationLine[],
    partner: string,
    traceparent?: string,
  ): Promise<ReserveResult> {
    const existing = await repo.findReservation(tx, null, orderId);
    if (existing && existing.partner !== partner) throw orderIdTaken(orderId);
    if (existing) return { reservation: existing.reservation, created: false };
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
      throw new ProblemError('unknown-sku', `SKU ${skus} does not exist.`, { errors: unknown });
    }
    if (short.length > 0) {
      const detail = [...wanted]
        .filter(([sku, q]) => available.get(sku)! < q)
        .map(([sku, q]) => `Only ${available.get(sku)} of the ${q} units of ${sku} are available.`);
      throw new ProblemError('insufficient-stock', detail.join(' '), { errors: short });
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
    await repo.insertReservation(tx, partner, reservation);
    await outbox.appendEvent(
      tx,
      'inventory.reserved',
      { order_id: orderId, lines: reservation.lines, occurred_at: now },
      { subject: orderId, partner, traceparent },
    );
    return { reservation, created: true };
  }

  return {
    async reserve(orderId, lines, partner, traceparent) {
      try {
        return await db.transaction((tx) => reserveIn(tx, orderId, lines, partner, traceparent));
      } catch (err) {
        // Two first attempts for one order raced: the loser returns the winner's reservation.
        if (!isUniqueViolation(err, 'reservations_pkey')) throw err;
        const found = await repo.findReservation(db, null, orderId);
        if (!found) throw err;
        if (found.partner !== partner) throw orderIdTaken(orderId);
        return { reservation: found.reservation, created: false };
      }
    },

    async release(tx, owner, orderId, reason, traceparent) {
      const found = await repo.findReservation(tx, owner, orderId, true);
      const reservation = found?.reservation;
      if (!found || !reservation || reservation.status === 'released') return reservation;
      const now = clock.now().toISOString();
      const wanted = new Map<string, number>();
      for (const line of reservation.lines) wanted.set(line.sku, (wanted.get(line.sku) ?? 0) + line.quantity);
      for (const sku of [...wanted.keys()].sort()) await repo.moveToReserved(tx, sku, -wanted.get(sku)!, now);
      await repo.markReleased(tx, orderId, now);
      await outbox.appendEvent(
        tx,
        'inventory.released',
        { order_id: orderId, lines: reservation.lines, reason, occurred_at: now },
        { subject: orderId, partner: found.partner, traceparent },
      );
      return { ...reservation, status: 'released', released_at: now };
    },
  };
}
