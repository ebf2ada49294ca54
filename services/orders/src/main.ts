import { createCustomersV2Client } from '@concord/contracts/generated/customers.v2/client.ts';
import { runServiceMain } from '@concord/service-runtime/src/process/service-main.ts';
import { commitDeadlineFromEnv } from './commit-deadline.ts';
import { createCustomerDirectory } from './customer-directory.ts';
import { createOrdersService } from './orders-service.ts';

// Orders calls inventory (and customers) synchronously; their URLs default to the standard ports.
await runServiceMain({
  service: 'orders',
  defaultPort: 4002,
  create: ({ db, bus, env }) =>
    createOrdersService({
      db,
      bus,
      inventory: { url: env.INVENTORY_URL ?? 'http://127.0.0.1:4003' },
      customers: createCustomerDirectory(createCustomersV2Client({ baseUrl: env.CUSTOMERS_URL ?? 'http://127.0.0.1:4001' })),
      commitDeadlineMs: commitDeadlineFromEnv(env),
    }),
});
