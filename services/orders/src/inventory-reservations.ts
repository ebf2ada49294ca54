import type { InventoryV1Client } from '@concord/contracts/generated/inventory.v1/client.ts';
import type { FieldError } from '@concord/contracts/src/problem.ts';
import type { OrderLine } from './order.ts';
import { PARTNER_HEADER } from '@concord/service-runtime/src/tenancy/caller.ts';
import { withTimeout } from '@concord/service-runtime/src/http/with-timeout.ts';

export type ReserveOutcome =
  | { kind: 'reserved' }
  | { kind: 'insufficient-stock'; detail: string; errors: FieldError[] }
  | { kind: 'unknown-sku'; detail: string; errors: FieldError[] };

/** Inventory did not answer in time, could not be reached, or failed on its side. */
export class InventoryUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = this.constructor.name;
  }
}

export interface InventoryReservations {
  /** Reserves as `partner`, the order's owner, who then owns the reservation. */
  reserve(orderId: string, lines: OrderLine[], partner: string): Promise<ReserveOutcome>;
  /** Compensation (reason `order_write_failed`): true when inventory released, or had nothing to release. */
  release(orderId: string, partner: string): Promise<boolean>;
}

interface ProblemBody {
  detail?: string;
  errors?: FieldError[];
}

/**
 * Orders' view of inventory, through the generated client so that a contract change breaks this
 * file at compile time. Every call is bounded by `timeoutMs`: a slow inventory must not hold a
 * client's request (and its connection) open indefinitely.
 */
export function createInventoryReservations(client: InventoryV1Client, options: { timeoutMs?: number } = {}): InventoryReservations {
  const timeoutMs = options.timeoutMs ?? 2000;
  return {
    async reserve(orderId, lines, partner) {
      const result = await withTimeout(timeoutMs, (signal) =>
        client.POST('/reservations', {
          body: { order_id: orderId, lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })) },
          headers: { [PARTNER_HEADER]: partner },
          signal,
        }),
      ).catch((err: unknown) => {
        throw new InventoryUnavailableError(
          `Inventory did not answer the reservation for ${orderId} within ${timeoutMs} ms or could not be reached.`,
          { cause: err },
        );
      });
      const status = result.response.status;
      if (status === 200 || status === 201) return { kind: 'reserved' };
      const problem = (result.error ?? {}) as ProblemBody;
      if (status === 409)
        return { kind: 'insufficient-stock', detail: problem.detail ?? 'Insufficient stock.', errors: problem.errors ?? [] };
      if (status === 422) return { kind: 'unknown-sku', detail: problem.detail ?? 'Unknown SKU.', errors: problem.errors ?? [] };
      throw new InventoryUnavailableError(`Inventory answered the reservation for ${orderId} with ${status}.`);
    },
    async release(orderId, partner) {
      try {
        const result = await withTimeout(timeoutMs, (signal) =>
          client.POST('/reservations/{orderId}/release', {
            params: { path: { orderId }, query: { reason: 'order_write_failed' } },
            headers: { [PARTNER_HEADER]: partner },
            signal,
          }),
        );
        return result.response.status === 200 || result.response.status === 404;
      } catch {
        return false;
      }
    },
  };
}
