import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { requestHeader } from '../../request-headers.ts';

/** The client's IP: the socket's peer, or X-Forwarded-For's first hop when the config trusts a proxy. */
export function clientIp(c: Context, trustForwardedFor: boolean): string {
  if (trustForwardedFor) {
    const forwarded = requestHeader(c, 'x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // app.request() in tests has no socket
  }
}
