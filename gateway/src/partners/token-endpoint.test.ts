import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { buildSecurityTestGateway } from './testing/security-test-gateway.ts';
import { issueTestToken } from './testing/issue-test-token.ts';
import { DEFAULT_DEMO_SECRET } from './partner-registry.ts';
import { hashClientSecret, verifyClientSecret } from './client-secret.ts';

const form = (body: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(body).toString(),
});
const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });

describe('client secrets', () => {
  it('are stored as scrypt hashes and verified in constant time', async () => {
    const hash = await hashClientSecret('a-long-enough-client-secret');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyClientSecret('a-long-enough-client-secret', hash)).toBe(true);
    expect(await verifyClientSecret('a-long-enough-client-secreT', hash)).toBe(false);
  });
});

describe('POST /oauth/token and GET /.well-known/jwks.json', async () => {
  const secret = 'acme-secret-0123456789abcdef';
  const config = {
    partners: [
      {
        clientId: 'acme',
        name: 'Acme',
        plan: 'gold',
        apis: ['orders'],
        scopes: ['orders:read'],
        secrets: [await hashClientSecret(secret)],
      },
      {
        clientId: 'off',
        name: 'Off',
        plan: 'gold',
        apis: ['orders'],
        scopes: ['orders:read'],
        secrets: [await hashClientSecret(secret)],
        enabled: false,
      },
    ],
    plans: { gold: { rateLimit: { points: 1000, windowSeconds: 60 } }, demo: { rateLimit: { points: 1000, windowSeconds: 60 } } },
  };

  it('issues a token for HTTP Basic client authentication that the gateway then accepts', async () => {
    const { app, close } = buildSecurityTestGateway(config);
    const res = await app.request('/oauth/token', form({ grant_type: 'client_credentials' }, basic('acme', secret)));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { access_token: string; token_type: string; expires_in: number; scope: string };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'orders:read' });
    expect(decodeJwt(body.access_token)).toMatchObject({
      sub: 'acme',
      client_id: 'acme',
      scope: 'orders:read',
      iss: 'urn:concord:gateway',
      aud: 'urn:concord:api',
    });
    expect(decodeProtectedHeader(body.access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    const call = await app.request('/v1/orders', { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(call.status).toBe(200);
    close();
  });

  it('accepts client_secret_post, and the demo partner gets every contract scope', async () => {
    const { app, close } = buildSecurityTestGateway(config);
    const res = await app.request(
      '/oauth/token',
      form({ grant_type: 'client_credentials', client_id: 'acme', client_secret: secret, scope: 'orders:read' }),
    );
    expect(res.status).toBe(200);
    const demo = decodeJwt(await issueTestToken(app));
    expect(String(demo.scope).split(' ').sort()).toEqual(['inventory:read', 'orders:read', 'orders:write']);
    close();
  });

  it('answers RFC 6749 §5.2 errors as JSON, not problem+json', async () => {
    const { app, close } = buildSecurityTestGateway(config);
    const cases: Array<[RequestInit, number, string]> = [
      [form({ grant_type: 'client_credentials' }, basic('acme', 'wrong-secret-wrong-secret')), 401, 'invalid_client'],
      [form({ grant_type: 'client_credentials' }, basic('off', secret)), 401, 'invalid_client'],
      [form({ grant_type: 'client_credentials' }), 401, 'invalid_client'],
      [form({ grant_type: 'password' }, basic('acme', secret)), 400, 'unsupported_grant_type'],
      [form({}, basic('acme', secret)), 400, 'invalid_request'],
      [form({ grant_type: 'client_credentials', scope: 'orders:write' }, basic('acme', secret)), 400, 'invalid_scope'],
      [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...basic('acme', secret) },
          body: '{"grant_type":"client_credentials"}',
        },
        400,
        'invalid_request',
      ],
      [form({ grant_type: 'client_credentials', padding: 'x'.repeat(9000) }, basic('acme', secret)), 400, 'invalid_request'],
      [form({ grant_type: 'client_credentials', grant_type_: 'x' }, basic('nobody', secret)), 401, 'invalid_client'],
    ];
    for (const [init, status, error] of cases) {
      const res = await app.request('/oauth/token', init);
      expect(res.status, error).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await res.json()) as { error: string; error_description: string };
      expect(body.error).toBe(error);
      expect(body.error_description).toBeTruthy();
    }
    const wrongBasic = await app.request('/oauth/token', form({ grant_type: 'client_credentials' }, basic('acme', 'nope-nope-nope-nope')));
    expect(wrongBasic.headers.get('www-authenticate')).toBe('Basic realm="concord"');
    close();
  });

  it('limits the token endpoint per client IP', async () => {
    const { app, close } = buildSecurityTestGateway({ ...config, rateLimit: { tokenEndpoint: { points: 2, windowSeconds: 60 } } });
    const statuses = [];
    let last: Response | undefined;
    for (let i = 0; i < 3; i++) {
      last = await app.request('/oauth/token', form({ grant_type: 'client_credentials' }, basic('acme', secret)));
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(last!.headers.get('ratelimit-policy')).toBe('"token-endpoint";q=2;w=60');
    expect(await last!.json()).toMatchObject({ error: 'rate_limited' });
    close();
  });

  it('publishes the signing key and keeps old tokens valid after a rotation', async () => {
    const { app, issuer, close } = buildSecurityTestGateway(config);
    const before = await issueTestToken(app);
    const oldKid = decodeProtectedHeader(before).kid;
    const newKid = issuer!.keyRing.rotate();
    const after = await issueTestToken(app);
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    const jwks = (await (await app.request('/.well-known/jwks.json')).json()) as { keys: Array<{ kid: string; d?: string }> };
    expect(jwks.keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true); // never private material
    for (const token of [before, after]) {
      expect((await app.request('/v1/orders', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    }
    close();
  });

  it('drops a retired key once its last token has expired', async () => {
    let now = Date.now();
    const { app, issuer, close } = buildSecurityTestGateway(
      { ...config, issuer: { tokenTtlSeconds: 60 }, auth: { clockToleranceSeconds: 0 } },
      { now: () => now },
    );
    const old = await issueTestToken(app);
    issuer!.keyRing.rotate();
    now += 61_000;
    const jwks = (await (await app.request('/.well-known/jwks.json')).json()) as { keys: unknown[] };
    expect(jwks.keys).toHaveLength(1);
    expect((await app.request('/v1/orders', { headers: { authorization: `Bearer ${old}` } })).status).toBe(401);
    close();
  });

  it('prints demo credentials, and refuses them when NODE_ENV=production', async () => {
    const dev = buildSecurityTestGateway(config);
    expect(dev.startupBanner('http://localhost:9090').join('\n')).toContain(DEFAULT_DEMO_SECRET);
    expect(dev.startupBanner('http://localhost:9090').join('\n')).toContain(' http://localhost:9090/oauth/token');
    dev.close();
    const prod = buildSecurityTestGateway(config, { env: { NODE_ENV: 'production' } });
    const res = await prod.app.request(
      '/oauth/token',
      form({ grant_type: 'client_credentials' }, basic('demo-partner', DEFAULT_DEMO_SECRET)),
    );
    expect(res.status).toBe(401);
    expect(prod.startupBanner('http://localhost:9090').join('\n')).not.toContain(DEFAULT_DEMO_SECRET);
    prod.close();
  });

  it('does not serve the built-in issuer when an external provider is configured', async () => {
    const { app, issuer, close } = buildSecurityTestGateway(config, { env: { AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json' } });
    expect(issuer).toBeUndefined();
    expect((await app.request('/.well-known/jwks.json')).status).toBe(404);
    close();
  });

  it('keeps issued tokens and used budgets across a rebuild with the same deps (a config reload)', async () => {
    const first = buildSecurityTestGateway({
      ...config,
      plans: { ...config.plans, demo: { rateLimit: { points: 3, windowSeconds: 60 } } },
    });
    const auth = { authorization: `Bearer ${await issueTestToken(first.app)}` };
    expect((await first.app.request('/v1/orders', { headers: auth })).status).toBe(200);
    expect((await first.app.request('/v1/orders', { headers: auth })).status).toBe(200);
    const second = buildSecurityTestGateway(
      { ...config, plans: { ...config.plans, demo: { rateLimit: { points: 3, windowSeconds: 60 } } } },
      { deps: first.deps },
    );
    first.close();
    const res = await second.app.request('/v1/orders', { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit')).toMatch(/^"demo";r=0;/);
    expect((await second.app.request('/v1/orders', { headers: auth })).status).toBe(429);
    second.close();
  });
});
