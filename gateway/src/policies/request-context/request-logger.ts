import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { GatewayEnv } from '../../env.ts';

/**
 * A logger whose every line carries the request id and trace id. Built on demand (errors, reports)
 * rather than per request, so the common path allocates no child logger.
 */
export function requestLogger(c: Context<GatewayEnv>, logger: Logger): Logger {
  const route = c.get('route');
  return logger.child({
    request_id: c.get('requestId'),
    trace_id: c.get('traceId'),
    ...(route ? { operation: route.operationId, contract: route.contract } : {}),
  });
}
