/**
 * Request headers that carry a client's credentials. The gateway has already authenticated the
 * client, so these never cross to an upstream: an upstream that wants authentication gets the
 * gateway's own credential (`upstreams.<name>.auth`), never the partner's. `forwardHeaders` refuses
 * them at start-up, and the allow-list drops them even if a config got past that.
 */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'proxy-authorization']);

/**
 * Set by the gateway itself on every upstream request (forward-headers.ts) or by Node's HTTP client;
 * an upstream credential header may not take one of these names.
 */
export const GATEWAY_SET_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'x-request-id',
  'traceparent',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-concord-partner',
]);
