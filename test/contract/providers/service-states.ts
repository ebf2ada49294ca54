import type { RunningApi } from './system-apis.ts';
import { callApi, uniqueEmail } from './system-apis.ts';

/** Provider-state steps shared by the providers, each through the owning service's own API. */
export interface CustomerParams {
  full_name?: string;
  name_prefix?: string | null;
  given_name?: string;
  family_name?: string;
  email?: string;
}

export async function createCustomer(customers: RunningApi<unknown>, params: CustomerParams = {}): Promise<string> {
  const [given, ...family] = (params.full_name ?? 'Ada Lovelace').split(' ');
  const body = {
    given_name: params.given_name ?? given ?? 'Ada',
    family_name: params.family_name ?? (family.join(' ') || 'Lovelace'),
    ...(params.name_prefix ? { name_prefix: params.name_prefix } : {}),
    email: params.email ?? uniqueEmail(),
  };
  const customer = await callApi<{ id: string }>(customers, 'POST', '/customers', body, [201]);
  return customer.id;
}

export async function setStock(inventory: RunningApi<unknown>, sku: string, available: number): Promise<void> {
  await callApi(inventory, 'PUT', `/stock/${sku}`, { available });
}

/** A confirmed order (a customer, stock for it, the order placed through the orders API). */
export async function placeOrder(apis: {
  customers: RunningApi<unknown>;
  inventory: RunningApi<unknown>;
  orders: RunningApi<unknown>;
}): Promise<{ orderId: string; customerId: string }> {
  const customerId = await createCustomer(apis.customers);
  await setStock(apis.inventory, 'TEA-EARLGREY-250', 50);
  const order = await callApi<{ id: string; status: string }>(
    apis.orders,
    'POST',
    '/orders',
    { customer_id: customerId, lines: [{ sku: 'TEA-EARLGREY-250', quantity: 2 }] },
    [201],
  );
  if (order.status !== 'confirmed') throw new Error(`provider state: the order is ${order.status}, not confirmed`);
  return { orderId: order.id, customerId };
}
