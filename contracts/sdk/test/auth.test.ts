import { afterEach, describe, expect, it } from 'vitest';
import { AuthenticationError, createConcordClient } from '../src/index.ts';
import { customer, json, problem, startServer, tokenEndpoint, type TestServer } from './http-server.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function gateway(tokens: { count: number; delayMs?: number; expiresIn?: number }, valid: (token: string) => boolean = () => true) {
  const issue = tokenEndpoint(tokens);
  return startServer(async (req, res) => {
    if (req.url === '/oauth/token') return issue(req, res);
    const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!valid(token))
      return problem(
        res,
        401,
        'Unauthorized',
        { detail: 'The access token expired' },
        { 'www-authenticate': 'Bearer error="invalid_token"' },
      );
    json(res, 200, customer('cus_abc12345'));
  });
}

describe('client credentials', () => {
  it('asks for a token as RFC 6749 section 4.4 says: form-encoded, client authenticated with HTTP Basic', async () => {
    const tokens = { count: 0 };
    server = await gateway(tokens);
    const client = createConcordClient({
      baseUrl: server.url,
      clientCredentials: { clientId: 'partner:acme', clientSecret: 's3cr=t&x', scope: ['customers:read', 'orders:write'] },
    });
    await client.customersV2.getCustomer({ customerId: 'cus_abc12345' });
    const tokenRequest = server.requests[0]!;
    expect(tokenRequest.method).toBe('POST');
    expect(tokenRequest.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(tokenRequest.body))).toEqual({
      grant_type: 'client_credentials',
      scope: 'customers:read orders:write',
    });
    expect(tokenRequest.headers.authorization).toBe(`Basic ${Buffer.from('partner%3Aacme:s3cr%3Dt%26x').toString('base64')}`);
    expect(server.requests[1]!.headers.authorization).toBe('Bearer token-1');
  });

  it('can send the client credentials in the form body instead', async () => {
    server = await gateway({ count: 0 });
    const client = createConcordClient({
      baseUrl: server.url,
      clientCredentials: { clientId: 'acme', clientSecret: 'secret', clientAuthentication: 'body' },
    });
    await client.customersV2.getCustomer({ customerId: 'cus_abc12345' });
    expect(Object.fromEntries(new URLSearchParams(server.requests[0]!.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'acme',
      client_secret: 'secret',
    });
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('shares one token request among concurrent calls, and caches the token', async () => {
    const tokens = { count: 0, delayMs: 100 };
    server = await gateway(tokens);
    const client = createConcordClient({ baseUrl: server.url, clientCredentials: { clientId: 'acme', clientSecret: 'secret' } });

    const results = await Promise.all(Array.from({ length: 25 }, () => client.customersV2.getCustomer({ customerId: 'cus_abc12345' })));
    expect(results).toHaveLength(25);
    expect(tokens.count).toBe(1);

    await client.customersV2.getCustomer({ customerId: 'cus_abc12345' });
    expect(tokens.count).toBe(1);
    expect(new Set(server.requests.filter((r) => r.url !== '/oauth/token').map((r) => r.headers.authorization))).toEqual(
      new Set(['Bearer token-1']),
    );
  });

  it('refreshes before expiry, once, however many calls are in flight', async () => {
    const tokens = { count: 0, delayMs: 50, expiresIn: 600 };
    server = await gateway(tokens);
    let now = 1_000_000;
    const client = createConcordClient({
      baseUrl: server.url,
      clientCredentials: { clientId: 'acme', clientSecret: 'secret' },
      runtime: { now: () => now },
    });
    await client.customersV2.getCustomer({ customerId: 'cus_abc12345' });
    expect(tokens.count).toBe(1);

    // Inside the refresh margin (60 s before expiry) but still valid: calls go on with the old token
    // while one background request fetches the new one.
    now += 545_000;
    await Promise.all(Array.from({ length: 10 }, () => client.customersV2.getCustomer({ customerId: 'cus_abc12345' })));
    await new Promise((r) => setTimeout(r, 120));
    expect(tokens.count).toBe(2);

    // Past the expiry of the second token: everyone waits for a single new one.
    now += 700_000;
    await Promise.all(Array.from({ length: 10 }, () => client.customersV2.getCustomer({ customerId: 'cus_abc12345' })));
    expect(tokens.count).toBe(3);
    expect(server.requests.at(-1)!.headers.authorization).toBe('Bearer token-3');
  });

  it('gets a new token once when the API rejects the cached one (revoked, keys rotated)', async () => {
    const tokens = { count: 0 };
    server = await gateway(tokens, (token) => token !== 'token-1');
    const client = createConcordClient({ baseUrl: server.url, clientCredentials: { clientId: 'acme', clientSecret: 'secret' } });
    await client.customersV2.getCustomer({ customerId: 'cus_abc12345' });
    expect(tokens.count).toBe(2);
    expect(server.requests.map((r) => (r.url === '/oauth/token' ? 'token request' : r.headers.authorization))).toEqual([
      'token request',
      'Bearer token-1',
      'token request',
      'Bearer token-2',
    ]);
  });

  it('reports a refused client as an AuthenticationError carrying the OAuth error', async () => {
    server = await startServer((_req, res) =>
      json(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed' }, { 'www-authenticate': 'Basic' }),
    );
    const client = createConcordClient({ baseUrl: server.url, clientCredentials: { clientId: 'acme', clientSecret: 'wrong' } });
    const err = await client.customersV2.getCustomer({ customerId: 'cus_abc12345' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).title).toBe('invalid_client');
    expect((err as AuthenticationError).detail).toBe('Client authentication failed');
    expect((err as AuthenticationError).operation).toBe('oauth.token');
    expect(server.requests).toHaveLength(1);
  });
});
