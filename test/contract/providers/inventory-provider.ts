import { PACT_PARTNER, PARTNER_HEADER } from '../support/shapes.ts';
import type { ProviderDefinition } from '@concord/contracts/src/pact/provider-definition.ts';
import { callApi, startSystemApis } from './system-apis.ts';

/** inventory: the HTTP provider of orders' reservations. Data is set up through its own API. */
export const provider: ProviderDefinition = {
  name: 'inventory',
  async start(options = {}) {
    const apis = await startSystemApis(
      ['inventory'],
      options.dropResponseField ? { dropResponseField: { service: 'inventory', field: options.dropResponseField } } : {},
    );
    const inventory = apis.inventory!;
    // Interactions share one provider; each state leaves the store as it found it.
    const reset = async () => {
      await inventory.db.query('DELETE FROM reservations');
      await inventory.db.query('DELETE FROM stock');
      return undefined;
    };
    return {
      baseUrl: inventory.url,
      // The gateway, or orders for its order's partner, sends every request with a partner.
      requestHeaders: () => ({ [PARTNER_HEADER]: PACT_PARTNER }),
      stateHandlers: {
        'a SKU has stock': {
          setup: async (params) => {
            const { sku, available } = params as { sku: string; available: number };
            await callApi(inventory, 'PUT', `/stock/${sku}`, { available });
            return undefined;
          },
          teardown: reset,
        },
        'a SKU does not exist': { setup: async () => undefined, teardown: reset },
        'an order has a reservation': {
          setup: async (params) => {
            const { orderId, sku, quantity } = params as { orderId: string; sku: string; quantity: number };
            await callApi(inventory, 'PUT', `/stock/${sku}`, { available: quantity * 10 });
            await callApi(inventory, 'POST', '/reservations', { order_id: orderId, lines: [{ sku, quantity }] });
            return undefined;
          },
          teardown: reset,
        },
      },
      close: () => apis.close(),
    };
  },
};
