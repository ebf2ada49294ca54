import type { ServiceName } from './start-services.ts';

const DEFAULT_PORTS: Record<ServiceName, number> = { customers: 4001, orders: 4002, inventory: 4003, webhooks: 4004 };

/** CUSTOMERS_PORT, ORDERS_PORT, INVENTORY_PORT, WEBHOOKS_PORT (0: the OS chooses); the standard ports otherwise. */
export function stackPortsFromEnv(env: NodeJS.ProcessEnv): Record<ServiceName, number> {
  const ports = { ...DEFAULT_PORTS };
  for (const name of Object.keys(ports) as ServiceName[]) {
    const raw = env[`${name.toUpperCase()}_PORT`];
    if (raw === undefined || raw === '') continue;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new Error(`${name.toUpperCase()}_PORT must be a port number, got ${raw}`);
    ports[name] = port;
  }
  return ports;
}
