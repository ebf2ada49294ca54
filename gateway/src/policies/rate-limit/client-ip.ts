import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { TrustedProxies } from '../../listener/trusted-proxies.ts';
import { requestHeader } from '../../request-headers.ts';

/** The client's IP: the socket's peer, or what the trusted proxies in front of it say (trusted-proxies.ts). */
export function clientIp(c: Context, proxies: TrustedProxies): string {
  let peer: string;
  try {
    peer = getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // app.request() in tests has no socket
  }
  return proxies.clientAddress(peer, requestHeader(c, 'x-forwarded-for'), requestHeader(c, 'forwarded'));
}
