/**
 * Request headers read from Node's parsed request, without a Web Headers object. Under
 * @hono/node-server, `c.req.header(...)` makes the lazy Request copy every raw header into an undici
 * Headers (a WebIDL conversion per name and value) on first use: a measurable part of the gateway's
 * CPU per request, for the handful of headers the pipeline reads. Values are the ones Headers.get
 * would give: repeated headers joined with ", " (Node keeps only the first Authorization,
 * Content-Type, ..., so those are rebuilt from rawHeaders), except Cookie, which undici's Headers
 * joins with "; " as Node does (RFC 6265 allows one Cookie line only). Without a
 * Node request (app.request() in tests, other runtimes) it is hono's `c.req.header()`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Context } from 'hono';

interface NodeIncoming {
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
}

/** Headers whose repeats Node does not join with ", " (https://nodejs.org/api/http.html#messageheaders). */
const NOT_COMMA_JOINED = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

function incomingOf(c: Context): NodeIncoming | undefined {
  const incoming = (c.env as { incoming?: NodeIncoming } | undefined)?.incoming;
  return incoming !== undefined && Array.isArray(incoming.rawHeaders) ? incoming : undefined;
}

function joinedRaw(raw: readonly string[], name: string): string | undefined {
  let out: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!;
    if (key.length === name.length && key.toLowerCase() === name) out = out === undefined ? raw[i + 1]! : `${out}, ${raw[i + 1]!}`;
  }
  return out;
}

/** One request header by its lower-case name, as `c.req.header(name)` gives it. */
export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = incomingOf(c);
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return value.join(', ');
  return NOT_COMMA_JOINED.has(name) ? joinedRaw(incoming.rawHeaders, name) : value;
}

/** Every request header, lower-case names, as `c.req.header()` gives them. */
export function requestHeaders(c: Context): Record<string, string> {
  const incoming = incomingOf(c);
  if (!incoming) return c.req.header();
  const out: Record<string, string> = {};
  const raw = incoming.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const prior = out[name];
    out[name] = prior === undefined ? raw[i + 1]! : `${prior}${name === 'cookie' ? '; ' : ', '}${raw[i + 1]!}`;
  }
  return out;
}
