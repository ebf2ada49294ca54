/**
 * Which headers cross the gateway. Upstream: only an allow-list (never the client's credentials or
 * cookies: the gateway has already authenticated), plus the request id, the gateway's traceparent
 * and X-Forwarded-*. Downstream: everything but hop-by-hop headers and the upstream's own identity
 * headers, which the gateway sets itself.
 */
import type { Context } from 'hono';
import type { GatewayEnv } from '../env.ts';
import { requestHeaders } from '../request-headers.ts';
import type { PlainHeaders } from '../response-headers.ts';

export const DEFAULT_FORWARDED_HEADERS = [
  'accept',
  'accept-language',
  'content-type',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'idempotency-key',
  'prefer',
  'tracestate',
  'user-agent',
] as const;

/** RFC 9110 section 7.6.1 plus the de-facto ones; never forwarded in either direction. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
/** Set by the gateway on every response; an upstream's values must not leak through. */
const GATEWAY_OWNED = new Set(['x-request-id', 'traceparent']);

/**
 * The authenticated partner's client id, for system APIs that scope their data by partner (the
 * webhooks API). Only the gateway sets it: a client's own value never crosses, even if an
 * upstream's allow-list names it.
 */
export const PARTNER_HEADER = 'x-concord-partner';
/** The token's granted scopes, space-separated, set the same way: the system APIs read `internal` from it. */
export const SCOPES_HEADER = 'x-concord-scopes';

export interface ForwardHeaderOptions {
  allow: ReadonlySet<string>;
  /** Whether to forward accept-encoding: not when the gateway must read the body (adapt, validate). */
  acceptEncoding: boolean;
}

export function compileAllowList(extra: readonly string[]): ReadonlySet<string> {
  return new Set([...DEFAULT_FORWARDED_HEADERS, ...extra.map((h) => h.toLowerCase())].filter((h) => !HOP_BY_HOP.has(h)));
}

function clientAddress(c: Context<GatewayEnv>): string | undefined {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress;
}

export function upstreamRequestHeaders(c: Context<GatewayEnv>, options: ForwardHeaderOptions): Record<string, string> {
  const out: Record<string, string> = {};
  const incoming = requestHeaders(c);
  for (const name in incoming) {
    if (options.allow.has(name) || (options.acceptEncoding && name === 'accept-encoding')) out[name] = incoming[name]!;
  }
  delete out[PARTNER_HEADER];
  delete out[SCOPES_HEADER];
  const principal = c.get('principal');
  if (principal) out[PARTNER_HEADER] = principal.clientId;
  if (principal) out[SCOPES_HEADER] = [...principal.scopes].join(' ');
  out['x-request-id'] = c.get('requestId');
  out['traceparent'] = c.get('traceparent');
  const address = clientAddress(c);
  const prior = incoming['x-forwarded-for'];
  if (address) out['x-forwarded-for'] = prior ? `${prior}, ${address}` : address;
  else if (prior) out['x-forwarded-for'] = prior;
  // Proto and host are what this hop saw; a client's own X-Forwarded-Host/Proto is not trusted.
  out['x-forwarded-proto'] = c.req.url.startsWith('https:') ? 'https' : 'http';
  const host = incoming['host'];
  if (host) out['x-forwarded-host'] = host;
  return out;
}

/** Upstream response headers as the client should see them; content-length only when the bytes pass unchanged. */
export function downstreamHeaders(upstream: Record<string, string | string[] | undefined>, keepLength: boolean): PlainHeaders {
  const headers: PlainHeaders = {};
  for (const raw in upstream) {
    const value = upstream[raw];
    const name = raw.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(name) || GATEWAY_OWNED.has(name)) continue;
    if (!keepLength && (name === 'content-length' || name === 'content-encoding')) continue;
    headers[name] = value;
  }
  return headers;
}
