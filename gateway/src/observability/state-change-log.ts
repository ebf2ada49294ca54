import type { Logger } from 'pino';

/**
 * One log line when a dependency goes away and one when it is back, however many calls fail in
 * between: under load an outage fails thousands of calls, and a line per call would bury the
 * access log (and cost the CPU the gateway needs while degraded). Callers count every failure in a
 * metric instead; the log says when the state changed.
 */
export interface StateChangeLog {
  /** Notes a failure; logs (warn) only when the dependency was up until now. */
  down(err?: unknown): void;
  /** Notes a success; logs (info) only when the dependency was down until now. */
  up(): void;
  isDown(): boolean;
}

export interface StateChangeLogOptions {
  logger: Logger;
  /** Fields on both lines, e.g. `{ dependency: 'redis', component: 'idempotency' }`. */
  fields: Record<string, unknown>;
  downMessage: string;
  upMessage: string;
}

/** What of an error goes on the line: its message and code, never a stack per outage. */
export function errorFields(err: unknown): { error?: string; code?: string } {
  if (!(err instanceof Error)) return err === undefined ? {} : { error: String(err) };
  const code = (err as { code?: unknown }).code;
  return { error: err.message, ...(typeof code === 'string' ? { code } : {}) };
}

export function stateChangeLog(options: StateChangeLogOptions): StateChangeLog {
  const { logger, fields } = options;
  let down = false;
  let since = 0;
  return {
    down(err) {
      if (down) return;
      down = true;
      since = Date.now();
      logger.warn({ ...fields, state: 'down', ...errorFields(err) }, options.downMessage);
    },
    up() {
      if (!down) return;
      down = false;
      logger.info({ ...fields, state: 'up', down_ms: Date.now() - since }, options.upMessage);
    },
    isDown: () => down,
  };
}
