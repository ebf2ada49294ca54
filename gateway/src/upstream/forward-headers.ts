/**
 * Which headers cross the gateway. Upstream: only an allow-list (never the client's credentials or
 * cookies: the gateway has already authenticated; an upstream that wants a credential gets the
 * gateway's own, upstream-credentials.ts), plus the request id, the gateway's traceparent and
 * X-Forwarded-*. Downstream: everything but hop-by-hop headers (and those `Connection` names), the
 * upstream's identity (`Server`, `X-Powered-By`) and the headers the gateway sets itself.
 */
import type { Context } from 'hono';
import type { GatewayEnv } from '../env.ts';
import { requestHeaders } from '../request-headers.ts';
import type { PlainHeaders } from '../response-headers.ts';
import { CREDENTIAL_HEADERS } from './credential-headers.ts';
import { queryWithoutApiKeys } from '../policies/authenticate/api-key-location.ts';

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
/** Name the software (and often the version) behind the gateway: of use to an attacker, to nobody else. */
const UPSTREAM_IDENTITY = new Set(['server', 'x-powered-by']);

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

/** The config refuses credential headers in `forwardHeaders`; this drops them again for a config built some other way. */
export function compileAllowList(extra: readonly string[]): ReadonlySet<string> {
  return new Set(
    [...DEFAULT_FORWARDED_HEADERS, ...extra.map((h) => h.toLowerCase())].filter((h) => !HOP_BY_HOP.has(h) && !CREDENTIAL_HEADERS.has(h)),
  );
}

type IncomingSocket = { socket?: { remoteAddress?: string; encrypted?: boolean } };

function clientSocket(c: Context<GatewayEnv>): IncomingSocket['socket'] {
  return (c.env as { incoming?: IncomingSocket } | undefined)?.incoming?.socket;
}

/** RFC 9110 section 7.6.1: the headers a `Connection` header names are for this hop only. */
function connectionScoped(connection: string | undefined): string[] {
  if (connection === undefined) return [];
  return connection.split(',').map((name) => name.trim().toLowerCase());
}

export function upstreamRequestHeaders(c: Context<GatewayEnv>, options: ForwardHeaderOptions): Record<string, string> {
  const out: Record<string, string> = {};
  const incoming = requestHeaders(c);
  for (const name in incoming) {
    if (options.allow.has(name) || (options.acceptEncoding && name === 'accept-encoding')) out[name] = incoming[name]!;
  }
  for (const name of connectionScoped(incoming['connection'])) delete out[name];
  delete out[PARTNER_HEADER];
  delete out[SCOPES_HEADER];
  // A partner API key is for the gateway: never sent on, even when an allow-list names its header.
  const keys = c.get('credentials')?.security.apiKeys;
  if (keys) for (const key of keys) if (key.in === 'header') delete out[key.name];
  const principal = c.get('principal');
  if (principal) out[PARTNER_HEADER] = principal.clientId;
  if (principal) out[SCOPES_HEADER] = [...principal.scopes].join(' ');
  out['x-request-id'] = c.get('requestId');
  // The public prefix the path was routed by, so a system API can name the path the client used
  // (a problem's `instance`); never the client's own value.
  delete out['x-forwarded-prefix'];
  const route = c.get('route');
  if (route?.basePath) out['x-forwarded-prefix'] = route.basePath;
  out['traceparent'] = c.get('traceparent');
  const socket = clientSocket(c);
  const address = socket?.remoteAddress;
  const prior = incoming['x-forwarded-for'];
  if (address) out['x-forwarded-for'] = prior ? `${prior}, ${address}` : address;
  else if (prior) out['x-forwarded-for'] = prior;
  // Proto and host are what this hop saw; a client's own X-Forwarded-Host/Proto is not trusted, nor
  // the scheme of an absolute-form target (`GET https://...`), which the client writes itself.
  out['x-forwarded-proto'] = socket ? (socket.encrypted ? 'https' : 'http') : c.req.url.startsWith('https:') ? 'https' : 'http';
  const host = incoming['host'];
  if (host) out['x-forwarded-host'] = host;
  return out;
}

/**
 * The query string for the upstream request (with its `?`, or ''): the client's, less any parameter
 * a partner API key of this operation is read from.
 */
export function upstreamQuery(c: Context<GatewayEnv>): string {
  const url = c.req.url;
  const keys = c.get('credentials')?.security.apiKeys;
  if (keys?.some((k) => k.in === 'query')) return queryWithoutApiKeys(url, keys);
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q);
}

/**
 * Upstream response headers as the client should see them: without hop-by-hop headers, those the
 * upstream's `Connection` names (for that hop only, and a way to smuggle internal headers out), its
 * identity headers and the gateway's own; content-length only when the bytes pass unchanged.
 */
export function downstreamHeaders(upstream: Record<string, string | string[] | undefined>, keepLength: boolean): PlainHeaders {
  const headers: PlainHeaders = {};
  const connection = upstream['connection'];
  const scoped = connectionScoped(Array.isArray(connection) ? connection.join(',') : connection);
  for (const raw in upstream) {
    const value = upstream[raw];
    const name = raw.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(name) || GATEWAY_OWNED.has(name) || UPSTREAM_IDENTITY.has(name)) continue;
    if (scoped.length > 0 && scoped.includes(name)) continue;
    if (!keepLength && (name === 'content-length' || name === 'content-encoding')) continue;
    headers[name] = value;
  }
  return headers;
}
