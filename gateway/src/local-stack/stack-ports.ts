import type { StackConfig } from '../config/stack-schema.ts';

/** One port `npm start` will listen on, who listens there, and the variable that moves it. */
export interface StackPort {
  name: string;
  port: number;
  /** The interface it binds: a port is taken per address. */
  hostname: string;
  variable: string;
}

/** `petstore` -> `PETSTORE_PORT`, `order-history` -> `ORDER_HISTORY_PORT` (as `npm run services` reads them). */
export function portVariable(name: string): string {
  return `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PORT`;
}

/**
 * The port of every service of `stack.services`, each overridden by its <NAME>_PORT. A value that is
 * not a port stops `npm start` with a line naming the variable.
 */
export function resolveStackPorts(stack: StackConfig, variable: (name: string) => string | undefined): StackPort[] {
  return Object.entries(stack.services).map(([name, service]) => {
    const envName = portVariable(name);
    const raw = variable(envName);
    let port = service.port;
    if (raw !== undefined && raw !== '') {
      port = Number(raw);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${envName} must be a port number (0-65535), got ${raw}`);
    }
    return { name, port, hostname: '127.0.0.1', variable: envName };
  });
}
