import { ProblemError } from '@concord/contracts/src/problem.ts';
import type { Clock } from '@concord/service-runtime/src/clock.ts';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { isUniqueViolation } from '@concord/service-runtime/src/database/sql-errors.ts';
import type { Outbox } from '@concord/service-runtime/src/events/outbox.ts';
import type { IdGenerator } from '@concord/service-runtime/src/ids.ts';
import { startCommitDeadline } from './commit-deadline.ts';
import { CustomersUnavailableError, type CustomerDirectory } from './customer-directory.ts';
import { InventoryUnavailableError, type InventoryReservations } from './inventory-reservations.ts';
import type { IdempotencyRecord, Order, OrderCreate } from './order.ts';
import { orderProblems } from './order-problems.ts';
import type { OrderRepository } from './order-repository.ts';
import { requestFingerprint } from './request-fingerprint.ts';

export interface PlaceOrderDeps {
  db: Database;
  repository: OrderRepository;
  outbox: Outbox;
  inventory: InventoryReservations;
  customers?: CustomerDirectory | undefined;
  clock: Clock;
  ids: IdGenerator;
  onError: (err: unknown, where: string) => void;
  /** No order commits later than this after its stock was reserved (see commit-deadline.ts). */
  commitDeadlineMs?: number | undefined;
}

export type PlaceOrderResult = IdempotencyRecord['response'];

/** A stored response, replayed as it was first given: a 409 is thrown again, a 201 returned. */
function replay(response: PlaceOrderResult): PlaceOrderResult {
  if (response.status === 409) throw new ProblemError({ ...response.body, detail: response.body.detail ?? '' });
  return response;
}

/**
 * Reserve first, then write. Stock is reserved under the new order id (idempotent at inventory);
 * if the order cannot be written afterwards, the reservation is released again (compensation),
 * so a failure never leaves stock held for an order that does not exist.
 */
export function createPlaceOrder(deps: PlaceOrderDeps) {
  const { db, repository, outbox, inventory, clock, ids } = deps;

  async function compensate(orderId: string): Promise<void> {
    if (!(await inventory.release(orderId)))
      deps.onError(
        new Error(`Compensating release of ${orderId} failed; its stock stays reserved until released by hand`),
        'orders.compensation',
      );
  }

  return async function placeOrder(
    body: OrderCreate,
    idempotencyKey: string | undefined,
    traceparent: string | undefined,
  ): Promise<PlaceOrderResult> {
    const requestHash = requestFingerprint(body);
    if (idempotencyKey !== undefined) {
      const seen = await repository.findByIdempotencyKey(db, idempotencyKey);
      if (seen) {
        if (seen.requestHash !== requestHash) throw orderProblems.keyReused(idempotencyKey);
        return replay(seen.response);
      }
    }
    if (deps.customers) {
      const exists = await deps.customers.exists(body.customer_id).catch((err: unknown) => {
        throw err instanceof CustomersUnavailableError ? orderProblems.dependencyUnavailable('The customers service', err) : err;
      });
      if (!exists) throw orderProblems.unknownCustomer(body.customer_id);
    }

    const now = clock.now().toISOString();
    const placed: Order = {
      id: ids.prefixed('ord'),
      customer_id: body.customer_id,
      status: 'pending',
      lines: body.lines,
      rejection_reason: null,
      created_at: now,
      updated_at: now,
      cancelled_at: null,
    };
    const deadline = startCommitDeadline(deps.commitDeadlineMs);
    const outcome = await inventory.reserve(placed.id, body.lines).catch(async (err: unknown) => {
      if (!(err instanceof InventoryUnavailableError)) throw err;
      // A timeout does not say whether the reservation happened; release in case it did.
      await compensate(placed.id);
      throw orderProblems.dependencyUnavailable('The inventory service', err);
    });
    if (outcome.kind === 'unknown-sku') throw orderProblems.unknownSku(outcome.detail, outcome.errors);

    const rejected = outcome.kind === 'insufficient-stock';
    const order: Order = rejected
      ? { ...placed, status: 'rejected', rejection_reason: outcome.detail }
      : { ...placed, status: 'confirmed' };
    const response: PlaceOrderResult = rejected
      ? { status: 409, body: orderProblems.insufficientStock(order.id, outcome.detail, outcome.errors) }
      : { status: 201, body: order };
    const record = idempotencyKey === undefined ? undefined : { key: idempotencyKey, requestHash, response };
    try {
      await db.transaction(async (tx) => {
        await repository.insert(tx, order, record);
        await outbox.appendEvent(tx, 'order.placed', rejected ? order : placed, { subject: order.id, traceparent });
        if (!rejected) await outbox.appendEvent(tx, 'order.confirmed', order, { subject: order.id, traceparent });
        deadline.check();
      });
    } catch (err) {
      if (!rejected) await compensate(order.id);
      // A concurrent request with the same key won the race: answer as it did.
      if (idempotencyKey !== undefined && isUniqueViolation(err, 'orders_idempotency_key')) {
        const winner = await repository.findByIdempotencyKey(db, idempotencyKey);
        if (winner && winner.requestHash === requestHash) return replay(winner.response);
        if (winner) throw orderProblems.keyReused(idempotencyKey);
      }
      throw err;
    }
    return replay(response);
  };
}
