import { customerId, eachLike, integer, like, nullValue, orderId, PACT_PARTNER, regex, sku, timestamp, UUID } from './shapes.ts';

/**
 * CloudEvents envelopes of the public events as message consumers expect them: every attribute the
 * AsyncAPI envelope requires (both consumers validate the whole envelope before they act on it),
 * with type matchers where the producer's values vary from one event to the next.
 */
export function envelope(type: string, subject: ReturnType<typeof regex>, data: unknown) {
  return {
    specversion: '1.0',
    id: regex(UUID, '5f0c6d1e-8a4b-4c2d-9e3f-1a2b3c4d5e6f'),
    source: regex('^/services/[a-z]+$', '/services/example'),
    type,
    time: timestamp(),
    datacontenttype: 'application/json',
    subject,
    // Every event names the partner that owns its resource; the dispatcher delivers by it.
    partner: like(PACT_PARTNER),
    data,
  };
}

export function orderData(status: string, cancelledAt: unknown = nullValue()) {
  return {
    id: orderId(),
    customer_id: customerId(),
    status,
    lines: eachLike({ sku: sku(), quantity: integer(2) }),
    rejection_reason: nullValue(),
    created_at: timestamp(),
    updated_at: timestamp(),
    cancelled_at: cancelledAt,
  };
}

export function customerData() {
  return {
    id: customerId(),
    given_name: like('Ada'),
    family_name: like('Lovelace'),
    name_prefix: nullValue(),
    email: like('ada@example.com'),
    phone: nullValue(),
    address: nullValue(),
    created_at: timestamp(),
    updated_at: timestamp(),
  };
}

/** Every public event, the provider that publishes it, the state it needs and its envelope. */
export const PUBLIC_EVENTS = [
  {
    type: 'customer.created',
    provider: 'customers',
    state: 'a customer was registered',
    content: () => envelope('customer.created', customerId(), customerData()),
  },
  {
    type: 'customer.updated',
    provider: 'customers',
    state: 'a customer changed their email',
    content: () => envelope('customer.updated', customerId(), { customer: customerData(), changed_fields: eachLike('email') }),
  },
  {
    type: 'order.placed',
    provider: 'orders',
    state: 'an order was placed for SKUs in stock',
    content: () => envelope('order.placed', orderId(), orderData('pending')),
  },
  {
    type: 'order.confirmed',
    provider: 'orders',
    state: 'an order was placed for SKUs in stock',
    content: () => envelope('order.confirmed', orderId(), orderData('confirmed')),
  },
  {
    type: 'order.cancelled',
    provider: 'orders',
    state: 'a confirmed order was cancelled',
    content: () => envelope('order.cancelled', orderId(), orderData('cancelled', timestamp())),
  },
] as const;
