import { randomUUID } from 'node:crypto';
import { eventCatalog } from '@concord/contracts/generated/events.v1/catalog.ts';
import type { EventEnvelope } from '@concord/contracts/generated/events.v1/types.ts';

/**
 * A valid `order.placed` CloudEvent, as the orders service publishes it, owned by `partner`
 * (default `partner-a`, the harness's default caller): only that partner's subscriptions hear it.
 */
export function orderPlacedEvent(overrides: { id?: string; time?: string; partner?: string } = {}): EventEnvelope<'order.placed'> {
  const now = overrides.time ?? new Date().toISOString();
  const orderId = `ord_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  return {
    specversion: '1.0',
    id: overrides.id ?? randomUUID(),
    source: '/services/orders',
    type: 'order.placed',
    time: now,
    datacontenttype: 'application/json',
    subject: orderId,
    partner: overrides.partner ?? 'partner-a',
    data: {
      id: orderId,
      customer_id: 'cus_4f9a2b7c1d8e',
      status: 'confirmed',
      lines: [{ sku: 'TEA-EARLGREY-250', quantity: 2 }],
      rejection_reason: null,
      created_at: now,
      updated_at: now,
      cancelled_at: null,
    },
  } as EventEnvelope<'order.placed'>;
}

export const ORDER_PLACED_SUBJECT = eventCatalog['order.placed'].channel;
