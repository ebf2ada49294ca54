import { runServiceMain } from '@concord/service-runtime/src/process/service-main.ts';
import { createCustomersService } from './customers-service.ts';

await runServiceMain({ service: 'customers', defaultPort: 4001, create: (deps) => createCustomersService(deps) });
