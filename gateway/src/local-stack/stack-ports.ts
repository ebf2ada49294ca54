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

/** What is wrong with a port variable, in one line naming it and the value it was given. */
export function portVariableProblem(variable: string, raw: string): string {
  return `${variable} must be a port number (0-65535), got ${JSON.stringify(raw)}`;
}

/** Why `npm start` refuses a port variable (portVariableProblem). */
export class PortVariableError extends Error {
  constructor(variable: string, raw: string) {
    super(portVariableProblem(variable, raw));
    this.name = this.constructor.name;
  }
}

/**
 * The port a variable's value names, undefined when it names none. The one rule for every port
 * variable, `npm start`'s and the gateway's: Number('') and Number(' ') are 0, Number('0x10') is 16
 * and Number('1e3') is 1000, so only plain digits are a port.
 */
export function parsePort(raw: string): number | undefined {
  if (!/^\d+$/.test(raw.trim())) return undefined;
  const port = Number(raw);
  return port <= 65535 ? port : undefined;
}

/** The port a variable sets, undefined when unset or empty (how shells unset things). */
export function portFromVariable(variable: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const port = parsePort(raw);
  if (port === undefined) throw new PortVariableError(variable, raw);
  return port;
}

/**
 * The port of every service of `stack.services`, each overridden by its <NAME>_PORT. A value that is
 * not a port stops `npm start` with a line naming the variable.
 */
export function resolveStackPorts(stack: StackConfig, variable: (name: string) => string | undefined): StackPort[] {
  return Object.entries(stack.services).map(([name, service]) => {
    const envName = portVariable(name);
    const port = portFromVariable(envName, variable(envName)) ?? service.port;
    return { name, port, hostname: '127.0.0.1', variable: envName };
  });
}
