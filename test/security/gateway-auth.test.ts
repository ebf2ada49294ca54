import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueTestToken } from '@concord/gateway/src/partners/testing/issue-test-token.ts';
import { startTestIdentityProvider, type TestIdentityProvider } from '@concord/gateway/src/partners/testing/test-identity-provider.ts';
import { DEFAULT_DEMO_SECRET } from '@concord/gateway/src/partners/partner-registry.ts';
import { replicaConfig, startOrdersStub, startReplica, type Replica } from './fixtures/replicas.ts';

/** The real gateway process, configured through the environment like production. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('gateway process with AUTH_JWKS_URL (external identity provider)', () => {
  let idp: TestIdentityProvider;
  let stub: Awaited<ReturnType<typeof startOrdersStub>>;
  let gateway: Replica;
  const get = async (token: string) => fetch(`${gateway.url}/v1/orders`, { headers: { authorization: `Bearer ${token}` } });
  const sign = (claims: Record<string, unknown> = {}, options = {}) =>
    idp.sign({ client_id: 'acme', scope: 'orders:read', ...claims }, options);

  beforeAll(async () => {
    idp = await startTestIdentityProvider();
    stub = await startOrdersStub();
    const security = {
      auth: { jwks: { refreshIntervalMs: 200, cooldownMs: 100, timeoutMs: 500 } },
      partners: [{ clientId: 'acme', name: 'Acme', plan: 'gold', apis: ['orders'], scopes: ['orders:read'] }],
      plans: { gold: { rateLimit: { points: 10_000, windowSeconds: 60 } } },
    };
    gateway = await startReplica(replicaConfig(stub.url, security), {
      AUTH_JWKS_URL: idp.jwksUrl,
      AUTH_ISSUER: idp.issuer,
      AUTH_AUDIENCE: idp.audience,
    });
  }, 60_000);
  afterAll(async () => {
    await gateway?.stop();
    await stub?.stop();
    await idp?.stop();
  });

  it('verifies the provider’s tokens and does not serve the built-in issuer', async () => {
    expect((await get(await sign())).status).toBe(200);
    expect((await fetch(`${gateway.url}/oauth/token`, { method: 'POST' })).status).toBe(404);
    const expired = await get(await sign({}, { expiresIn: -120 }));
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toMatch(/error="invalid_token", error_description="The token has expired/);
  });

  it('answers 403 insufficient_scope naming the scope', async () => {
    const res = await fetch(`${gateway.url}/v1/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await sign()}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('scope="orders:write"');
    expect(((await res.json()) as { detail: string }).detail).toContain('orders:write');
  });

  it('accepts a key rotated at the provider without a restart, survives the provider going down, and drops removed keys', async () => {
    const oldKid = idp.currentKid;
    await idp.rotate();
    await sleep(150);
    expect((await get(await sign())).status).toBe(200);

    idp.setDown(true);
    await sleep(500);
    expect((await get(await sign({ jti: 'while-down' }))).status).toBe(200);
    idp.setDown(false);

    idp.unpublish(oldKid);
    await sleep(500);
    expect((await get(await sign({}, { kid: oldKid }))).status).toBe(401);
  });
});

describe('gateway process with the built-in issuer', () => {
  let stub: Awaited<ReturnType<typeof startOrdersStub>>;
  let dev: Replica;
  let prod: Replica;

  beforeAll(async () => {
    stub = await startOrdersStub();
    [dev, prod] = await Promise.all([
      startReplica(replicaConfig(stub.url, {}), { NODE_ENV: 'development' }),
      startReplica(replicaConfig(stub.url, {}), { NODE_ENV: 'production' }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([dev?.stop(), prod?.stop()]);
    await stub?.stop();
  });

  it('issues a token to the demo partner that the API accepts (the README tour)', async () => {
    const token = await issueTestToken(dev.url, { scope: 'orders:read' });
    const res = await fetch(`${dev.url}/v1/orders`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-policy')).toBe('"demo";q=100;w=60');
    const jwks = (await (await fetch(`${dev.url}/.well-known/jwks.json`)).json()) as { keys: unknown[] };
    expect(jwks.keys).toHaveLength(1);
  });

  it('refuses the demo credentials when NODE_ENV=production', async () => {
    const res = await fetch(`${prod.url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`demo-partner:${DEFAULT_DEMO_SECRET}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });
});
