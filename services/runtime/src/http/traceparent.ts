import type { Context } from 'hono';

/** The request's W3C traceparent, so the events it causes carry the same trace. */
export function traceparentOf(c: Context): string | undefined {
  return c.req.header('traceparent') ?? undefined;
}
