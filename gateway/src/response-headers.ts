/**
 * Headers the pipeline adds to every response (request id, traceparent, RateLimit), without a Web
 * Headers object on the common path. Steps that know their headers before the upstream call
 * register them with `addResponseHeaders` (before `next()`); the proxy builds its Response once with
 * the upstream's headers and these, as a plain object, which @hono/node-server writes as it is.
 * After `next()` the same step calls `applyResponseHeaders`: a no-op on that proxied response, and
 * on any other (an error, a replay, an adapted body) it sets them on `c.res.headers` as before.
 * Touching `c.res.headers` of the proxied response would turn its plain object into a Headers (a
 * WebIDL conversion per header) and back again when it is written.
 */
import type { Context } from 'hono';
import type { GatewayEnv } from './env.ts';

export type PlainHeaders = Record<string, string | string[]>;

export interface ResponseHeaderVariables {
  /** Registered by addResponseHeaders; lower-case names. */
  addedResponseHeaders: Record<string, string> | undefined;
  /** The proxy's Response and the header object it was built from. */
  proxiedResponse: { response: Response; headers: PlainHeaders } | undefined;
}

/** Before next(): headers for whatever response this request ends with. */
export function addResponseHeaders(c: Context<GatewayEnv>, headers: Record<string, string>): void {
  let added = c.get('addedResponseHeaders');
  if (added === undefined) c.set('addedResponseHeaders', (added = {}));
  for (const name in headers) added[name.toLowerCase()] = headers[name]!;
}

/** After next(): sets `headers` on `c.res` unless it is the proxied response, which has them already. */
export function applyResponseHeaders(c: Context<GatewayEnv>, headers: Record<string, string>): void {
  if (c.get('proxiedResponse')?.response === c.res) return;
  for (const name in headers) {
    try {
      c.res.headers.set(name, headers[name]!);
    } catch {
      // Immutable headers (a Response passed through untouched): copy once.
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set(name, headers[name]!);
    }
  }
}

/** A response header by lower-case name, read from the proxied response's own object when it is c.res. */
export function responseHeader(c: Context<GatewayEnv>, name: string): string | undefined {
  const proxied = c.get('proxiedResponse');
  if (proxied?.response === c.res) {
    const value = proxied.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }
  return c.res.headers.get(name) ?? undefined;
}

/** The proxy's Response: upstream headers plus the added ones (which win), remembered for the steps above. */
export function proxiedResponse(c: Context<GatewayEnv>, body: BodyInit | null, status: number, headers: PlainHeaders): Response {
  const added = c.get('addedResponseHeaders');
  if (added !== undefined) Object.assign(headers, added);
  // One partner's data: no shared cache may keep it, unless the upstream said how to cache it.
  if (headers['cache-control'] === undefined && c.get('principal') !== undefined) headers['cache-control'] = 'no-store';
  let init: HeadersInit = headers as Record<string, string>;
  for (const name in headers) {
    // Repeated headers (Set-Cookie) as pairs: a record would join them with commas.
    if (Array.isArray(headers[name])) {
      init = Object.entries(headers).flatMap(([n, v]) =>
        Array.isArray(v) ? v.map((x): [string, string] => [n, x]) : [[n, v] as [string, string]],
      );
      break;
    }
  }
  const response = new Response(body, { status, headers: init });
  c.set('proxiedResponse', { response, headers });
  return response;
}
