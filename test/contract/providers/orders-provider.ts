import { eventDescription, type ProviderDefinition } from '@concord/contracts/src/pact/provider-definition.ts';
import { placeOrder } from './service-states.ts';
import { callApi, latestOutboxEvent, startSystemApis } from './system-apis.ts';

/**
 * orders: the publisher of order.placed, order.confirmed and order.cancelled. States drive the real
 * orders API (which reserves through the real inventory and checks the real customers service);
 * the message is the envelope the outbox builder wrote in that transaction.
 */
export const provider: ProviderDefinition = {
  name: 'orders',
  async start() {
    const apis = await startSystemApis(['orders']);
    const all = { customers: apis.customers!, inventory: apis.inventory!, orders: apis.orders! };
    return {
      stateHandlers: {
        'an order was placed for SKUs in stock': async () => {
          await placeOrder(all);
          return undefined;
        },
        'a confirmed order was cancelled': async () => {
          const { orderId } = await placeOrder(all);
          await callApi(all.orders, 'POST', `/orders/${orderId}/cancel`);
          return undefined;
        },
      },
      messageProviders: Object.fromEntries(
        (['order.placed', 'order.confirmed', 'order.cancelled'] as const).map((type) => [
          eventDescription(type),
          () => latestOutboxEvent(all.orders, type),
        ]),
      ),
      close: () => apis.close(),
    };
  },
};
