import type { IncomingMessage } from 'node:http';
import type { createGatewayFactory } from '../../env.ts';
import { GatewayError } from '../../errors.ts';

/**
 * Requests that HTTP itself forbids, refused before anything reads them: two `Host` headers (RFC 9112
 * section 3.2 requires a 400), which a cache or proxy in front may read differently from the gateway
 * (request smuggling, cache poisoning). Node keeps the first and drops the rest from `headers`, so
 * the raw header list is what tells.
 */
export function requestHygiene(factory: ReturnType<typeof createGatewayFactory>) {
  return factory.createMiddleware(async function requestHygiene(c, next) {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const raw = incoming?.rawHeaders;
    if (raw !== undefined) {
      let hosts = 0;
      for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i]!;
        if (name.length === 4 && name.toLowerCase() === 'host') hosts++;
      }
      if (hosts > 1) throw new GatewayError('MALFORMED_REQUEST', `The request has ${hosts} Host headers; HTTP allows one.`);
    }
    return next();
  });
}
