import { DEFAULT_DEMO_SECRET } from '../partner-registry.ts';

/**
 * Get a bearer token from a gateway's built-in issuer, for e2e tests:
 *
 *   const token = await issueTestToken(baseUrl, { scope: 'customers:read customers:write' });
 *   await fetch(`${baseUrl}/v2/customers`, { headers: { authorization: `Bearer ${token}` } });
 *
 * `target` is the gateway's base URL, or a Hono app (anything with `request(path, init)`) for tests
 * that call `app.request()` without a server. Defaults to the demo partner (every API, every scope);
 * omit `scope` to be granted all scopes the partner may have.
 */
export interface TestTokenOptions {
  scope?: string;
  clientId?: string;
  clientSecret?: string;
}

type Requester = { request(path: string, init: RequestInit): Response | Promise<Response> };

export async function issueTestToken(target: string | Requester, options: TestTokenOptions = {}): Promise<string> {
  const clientId = options.clientId ?? 'demo-partner';
  const clientSecret = options.clientSecret ?? DEFAULT_DEMO_SECRET;
  const body = new URLSearchParams({ grant_type: 'client_credentials', ...(options.scope ? { scope: options.scope } : {}) });
  const init: RequestInit = {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
    },
    body: body.toString(),
  };
  const res = typeof target === 'string' ? await fetch(new URL('/oauth/token', target), init) : await target.request('/oauth/token', init);
  const json = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
  if (res.status !== 200 || !json.access_token)
    throw new Error(`token request failed: ${res.status} ${json.error ?? ''} ${json.error_description ?? ''}`);
  return json.access_token;
}

/** `{ authorization: 'Bearer ...' }` for a fetch init. */
export async function testAuthHeaders(target: string | Requester, options: TestTokenOptions = {}): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await issueTestToken(target, options)}` };
}
