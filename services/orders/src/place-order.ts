import { problemErrorFrom } from '@concord/contracts/src/problem.ts';
import type { Clock } from '@concord/service-runtime/src/clock.ts';
import type { Database, Queryable } from '@concord/service-runtime/src/database/database.ts';
import type { IdGenerator } from '@concord/service-runtime/src/ids.ts';
import type { PartnerOutbox } from '@concord/service-runtime/src/tenancy/partner-events.ts';
import { startCommitDeadline } from './commit-deadline.ts';
import { CustomersUnavailableError, type CustomerDirectory } from './customer-directory.ts';
import type { IdempotencyKeys } from './idempotency-keys.ts';
import { InventoryUnavailableError, type InventoryReservations } from './inventory-reservations.ts';
import type { IdempotencyRecord, Order, OrderCreate } from './order.ts';
import { orderProblems } from './order-problems.ts';
import type { OrderRepository } from './order-repository.ts';
import { requestFingerprint } from './request-fingerprint.ts';

export interface PlaceOrderDeps {
  db: Database;
  repository: OrderRepository;
  idempotencyKeys: IdempotencyKeys;
  outbox: PartnerOutbox;
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
  if (response.status === 409) throw problemErrorFrom({ ...response.body, detail: response.body.detail ?? '' });
  return response;
}

/**
 * Reserve first, then write. Stock is reserved under the new order id (idempotent at inventory);
 * if the order cannot be written afterwards, the reservation is released again (compensation),
 * so a failure never leaves stock held for an order that does not exist. The order belongs to
 * `partner`, and so do its customer (checked as that partner), its reservation and its key.
 */
export function createPlaceOrder(deps: PlaceOrderDeps) {
  const { db, repository, idempotencyKeys, outbox, inventory, clock, ids } = deps;

  async function compensate(orderId: string, partner: string): Promise<void> {
    if (!(await inventory.release(orderId, partner)))
      deps.onError(
        new Error(`Compensating release of ${orderId} failed; its stock stays reserved until released by hand`),
        'orders.compensation',
      );
  }

  async function place(
    partner: string,
    body: OrderCreate,
    traceparent: string | undefined,
    complete: (tx: Queryable, orderId: string, response: PlaceOrderResult) => Promise<void>,
  ): Promise<PlaceOrderResult> {
    if (deps.customers) {
      const exists = await deps.customers.exists(body.customer_id, partner).catch((err: unknown) => {
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
    const outcome = await inventory.reserve(placed.id, body.lines, partner).catch(async (err: unknown) => {
      if (!(err instanceof InventoryUnavailableError)) throw err;
      // A timeout does not say whether the reservation happened; release in case it did.
      await compensate(placed.id, partner);
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
    const meta = { subject: order.id, partner, traceparent };
    try {
      await db.transaction(async (tx) => {
        await repository.insert(tx, partner, order);
        await complete(tx, order.id, response);
        await outbox.appendEvent(tx, 'order.placed', rejected ? order : placed, meta);
        if (!rejected) await outbox.appendEvent(tx, 'order.confirmed', order, meta);
        deadline.check();
      });
    } catch (err) {
      if (!rejected) await compensate(order.id, partner);
      throw err;
    }
    return response;
  }

  return async function placeOrder(
    partner: string,
    body: OrderCreate,
    idempotencyKey: string | undefined,
    traceparent: string | undefined,
  ): Promise<PlaceOrderResult> {
    if (idempotencyKey === undefined) return replay(await place(partner, body, traceparent, async () => {}));

    const requestHash = requestFingerprint(body);
    const claim = await idempotencyKeys.claim(db, partner, idempotencyKey, requestHash, clock.now());
    if (claim.kind === 'in-flight') throw orderProblems.keyInFlight(idempotencyKey);
    if (claim.kind === 'completed') {
      if (claim.record.requestHash !== requestHash) throw orderProblems.keyReused(idempotencyKey);
      return replay(claim.record.response);
    }
    let response: PlaceOrderResult;
    try {
      response = await place(partner, body, traceparent, async (tx, orderId, result) => {
        // Only when a claim outlived its lease and was taken over: this request must not write too.
        if (!(await idempotencyKeys.complete(tx, partner, idempotencyKey, claim.claimedAt, orderId, result)))
          throw orderProblems.keyInFlight(idempotencyKey);
      });
    } catch (err) {
      // Nothing was stored under the key (the write rolled back with its completion): free it for a retry.
      await idempotencyKeys
        .release(db, partner, idempotencyKey, claim.claimedAt)
        .catch((releaseErr: unknown) => deps.onError(releaseErr, 'orders.idempotency'));
      throw err;
    }
    return replay(response);
  };
}
