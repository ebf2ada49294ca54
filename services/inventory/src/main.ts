import { runServiceMain } from '@concord/service-runtime/src/process/service-main.ts';
import { createInventoryService } from './inventory-service.ts';

await runServiceMain({ service: 'inventory', defaultPort: 4003, create: (deps) => createInventoryService(deps) });
