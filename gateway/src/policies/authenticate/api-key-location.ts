/**
 * Where a partner API key is read from, as the contract's apiKey scheme says (`in` and `name`), and
 * how that place is cleaned before the request goes upstream: the key is for the gateway, and an
 * upstream (or its access log) must never see it.
 */
import type { Context } from 'hono';
import type { GatewayEnv } from '../../env.ts';
import { requestHeader } from '../../request-headers.ts';
import type { ApiKeyLocation } from '../authorize/security-requirements.ts';

function cookieValue(header: string, name: string): string | undefined {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return undefined;
}

function queryOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q + 1);
}

/** The key sent at `location`, or undefined; an empty value counts as none. */
export function readApiKey(c: Context<GatewayEnv>, location: ApiKeyLocation): string | undefined {
  let value: string | null | undefined;
  if (location.in === 'header') value = requestHeader(c, location.name);
  else if (location.in === 'cookie') {
    const cookie = requestHeader(c, 'cookie');
    value = cookie ? cookieValue(cookie, location.name) : undefined;
  } else {
    const query = queryOf(c.req.url);
    value = query ? new URLSearchParams(query).get(location.name) : undefined;
  }
  return value ? value : undefined;
}

/**
 * The query string to send upstream (with its `?`, or ''): the client's, less every parameter an
 * API key of this operation is read from. Untouched (the same string) when there is none.
 */
export function queryWithoutApiKeys(url: string, locations: readonly ApiKeyLocation[]): string {
  const query = queryOf(url);
  if (!query) return '';
  const names = locations.filter((l) => l.in === 'query').map((l) => l.name);
  if (names.length === 0) return `?${query}`;
  // Kept as the client wrote them (no re-encoding), only the key's pairs dropped.
  const kept = query.split('&').filter((pair) => {
    const eq = pair.indexOf('=');
    const raw = eq === -1 ? pair : pair.slice(0, eq);
    let name: string;
    try {
      name = decodeURIComponent(raw.replace(/\+/g, ' '));
    } catch {
      name = raw;
    }
    return !names.includes(name);
  });
  return kept.length ? `?${kept.join('&')}` : '';
}
