import { createOrdersV1Client } from '@concord/contracts/generated/orders.v1/client.ts';
import { runServiceMain } from '@concord/service-runtime/src/process/service-main.ts';
import { createInventoryService } from './inventory-service.ts';
import { createOrderLookup } from './order-lookup.ts';
import { reaperConfigFromEnv } from './reaper-config.ts';

// The reservation reaper asks orders (ORDERS_URL) whether an expired reservation's order exists.
await runServiceMain({
  service: 'inventory',
  defaultPort: 4003,
  create: (deps) =>
    createInventoryService({
      ...deps,
      reaper: {
        ...reaperConfigFromEnv(deps.env),
        orders: createOrderLookup(createOrdersV1Client({ baseUrl: deps.env.ORDERS_URL ?? 'http://127.0.0.1:4002' })),
      },
    }),
});
