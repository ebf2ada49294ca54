import { createPublicKey } from 'node:crypto';
import { SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSecurityTestGateway, type SecurityTestGateway } from '../../partners/testing/security-test-gateway.ts';
import { publicJwkOf, startTestIdentityProvider, type TestIdentityProvider } from '../../partners/testing/test-identity-provider.ts';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('authenticate (external identity provider)', () => {
  let idp: TestIdentityProvider;
  let gw: SecurityTestGateway;

  const call = (token: string | undefined, path = '/v1/orders') =>
    gw.app.request(path, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const good = (claims: Record<string, unknown> = {}) => idp.sign({ client_id: 'acme', scope: 'orders:read orders:write', ...claims });

  async function expectInvalid(token: string, reason: string, detail: RegExp) {
    const res = await call(token);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer realm="concord", error="invalid_token", error_description="[^"]+"$/);
    const body = (await res.json()) as { type: string; status: number; detail: string; reason: string };
    expect(body).toMatchObject({ type: 'https://concord.dev/problems/invalid-token', status: 401, reason });
    expect(body.detail).toMatch(detail);
    // Never leak key material.
    expect(JSON.stringify(body) + challenge).not.toMatch(/"x"|"n"|"e"|BEGIN|-----/);
  }

  beforeAll(async () => {
    idp = await startTestIdentityProvider();
    gw = buildSecurityTestGateway({
      auth: {
        jwksUrl: idp.jwksUrl,
        issuer: idp.issuer,
        audience: idp.audience,
        clockToleranceSeconds: 5,
        maxTokenBytes: 2048,
        jwks: { refreshIntervalMs: 150, cooldownMs: 100, timeoutMs: 500 },
      },
      partners: [{ clientId: 'acme', name: 'Acme', plan: 'gold', apis: ['orders'], scopes: ['orders:read', 'orders:write'] }],
      plans: { gold: { rateLimit: { points: 10_000, windowSeconds: 60 } } },
      demo: { enabled: false },
    });
  });
  afterAll(async () => {
    gw.close();
    await idp.stop();
  });

  it('lets a good token through and names the principal', async () => {
    const res = await call(await good());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ operationId: 'listOrders', clientId: 'acme' });
  });

  it('answers 401 without a token, with a bare Bearer challenge (RFC 6750 §3.1)', async () => {
    const res = await call(undefined);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="concord"');
    expect(await res.json()).toMatchObject({
      type: 'https://concord.dev/problems/unauthenticated',
      detail: 'No credential was sent. This operation accepts a bearer token with scope orders:read.',
      accepted: [[{ scheme: 'oauth2', type: 'bearer', scopes: ['orders:read'] }]],
    });
  });

  it('refuses an expired token', async () =>
    expectInvalid(await idp.sign({ client_id: 'acme' }, { expiresIn: -60 }), 'expired', /expired/));
  it('refuses a token that is not yet valid', async () =>
    expectInvalid(await idp.sign({ client_id: 'acme' }, { notBefore: 120 }), 'not_yet_valid', /not yet valid/));
  it('refuses a token from another issuer', async () =>
    expectInvalid(await idp.sign({ client_id: 'acme' }, { issuer: 'https://evil.example' }), 'wrong_issuer', /issuer/));
  it('refuses a token for another audience', async () =>
    expectInvalid(await idp.sign({ client_id: 'acme' }, { audience: 'urn:other' }), 'wrong_audience', /audience|aud/));
  it('refuses a token issued in the future', async () =>
    expectInvalid(await idp.sign({ client_id: 'acme' }, { issuedAt: Math.floor(Date.now() / 1000) + 600 }), 'iat_future', /future/));
  it('refuses a token without exp', async () =>
    expectInvalid(await idp.sign({ client_id: 'acme' }, { noExpiry: true }), 'no_exp', /expiry/));

  it('refuses alg none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = `${b64({ alg: 'none', kid: idp.currentKid })}.${b64({ client_id: 'acme', iss: idp.issuer, aud: idp.audience, iat: now, exp: now + 60 })}.`;
    await expectInvalid(token, 'alg_not_allowed', /algorithm/);
  });

  it('refuses HS256 signed with the public key (key confusion)', async () => {
    const jwk: JWK = await publicJwkOf(idp.jwksUrl, idp.currentKid);
    const pem = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    for (const secret of [Buffer.from(pem), Buffer.from(JSON.stringify(jwk))]) {
      const token = await new SignJWT({ client_id: 'acme', scope: 'orders:read' })
        .setProtectedHeader({ alg: 'HS256', kid: idp.currentKid })
        .setIssuer(idp.issuer)
        .setAudience(idp.audience)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(secret);
      await expectInvalid(token, 'alg_not_allowed', /algorithm/);
    }
  });

  it('refuses a tampered payload', async () => {
    const [header, payload, signature] = (await good({ scope: 'orders:read' })).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = `${header}.${b64({ ...claims, scope: 'orders:read orders:write admin' })}.${signature}`;
    await expectInvalid(forged, 'bad_signature', /signature/);
  });

  it('refuses an unknown kid', async () => {
    const foreign = await startTestIdentityProvider({ issuer: idp.issuer, audience: idp.audience });
    try {
      await expectInvalid(await foreign.sign({ client_id: 'acme' }), 'unknown_key', /key/);
    } finally {
      await foreign.stop();
    }
  });

  it('refuses an oversized token before parsing it', async () => {
    await expectInvalid(await good({ padding: 'x'.repeat(3000) }), 'too_large', /larger than 2048 bytes/);
  });

  it('refuses garbage', async () => expectInvalid('not-a-jwt', 'malformed', /compact JWS/));

  it('verifies a token once: the second call is a cache hit', async () => {
    const token = await good();
    await call(token);
    const before = (await gw.metrics.getSingleMetricAsString('concord_auth_token_cache_total')).match(/result="hit"} (\d+)/)?.[1] ?? '0';
    expect((await call(token)).status).toBe(200);
    const after = (await gw.metrics.getSingleMetricAsString('concord_auth_token_cache_total')).match(/result="hit"} (\d+)/)?.[1];
    expect(Number(after)).toBe(Number(before) + 1);
  });

  it('accepts a key rotated at the provider without a restart', async () => {
    const oldKid = idp.currentKid;
    const oldToken = await good();
    const newKid = await idp.rotate();
    expect(newKid).not.toBe(oldKid);
    await sleep(120); // past the unknown-kid cooldown
    expect((await call(await good())).status).toBe(200);
    expect((await call(oldToken)).status).toBe(200); // old key still published
  });

  it('refuses tokens from a key the provider removed, even ones verified before', async () => {
    const oldKid = idp.currentKid;
    const verifiedBefore = await good();
    expect((await call(verifiedBefore)).status).toBe(200);
    await idp.rotate();
    idp.unpublish(oldKid);
    // A background refresh (every 150 ms) sees the removal.
    const removed = await idp.sign({ client_id: 'acme' }, { kid: oldKid });
    for (let i = 0; i < 50 && (await call(verifiedBefore)).status === 200; i++) await sleep(100);
    await expectInvalid(removed, 'unknown_key', /key/);
    await expectInvalid(verifiedBefore, 'unknown_key', /key/);
  });

  it('keeps accepting valid tokens signed by cached keys while the provider is down', async () => {
    const token = await good({ jti: 'fresh-while-down' });
    idp.setDown(true);
    try {
      // Background refreshes (every 150 ms) fail.
      for (
        let i = 0;
        i < 50 && !/^concord_auth_jwks_stale 1$/m.test(await gw.metrics.getSingleMetricAsString('concord_auth_jwks_stale'));
        i++
      )
        await sleep(100);
      expect(await gw.metrics.getSingleMetricAsString('concord_auth_jwks_stale')).toMatch(/^concord_auth_jwks_stale 1$/m);
      const failures = await gw.metrics.getSingleMetricAsString('concord_auth_jwks_refresh_failures_total');
      expect(Number(failures.match(/_total (\d+)/)?.[1])).toBeGreaterThan(0);
      const res = await call(token); // never seen before: verified with the cached key
      expect(res.status).toBe(200);
    } finally {
      idp.setDown(false);
    }
    for (
      let i = 0;
      i < 50 && !/^concord_auth_jwks_stale 0$/m.test(await gw.metrics.getSingleMetricAsString('concord_auth_jwks_stale'));
      i++
    )
      await sleep(100);
    expect(await gw.metrics.getSingleMetricAsString('concord_auth_jwks_stale')).toMatch(/^concord_auth_jwks_stale 0$/m);
  });

  it('answers 503 (not 401) when a key must be fetched and the provider is down', async () => {
    const fresh = await startTestIdentityProvider();
    const gw2 = buildSecurityTestGateway({
      auth: { jwksUrl: fresh.jwksUrl, issuer: fresh.issuer, audience: fresh.audience },
      plans: { p: { rateLimit: { points: 10, windowSeconds: 60 } } },
      demo: { enabled: false },
    });
    fresh.setDown(true);
    try {
      const res = await gw2.app.request('/v1/orders', { headers: { authorization: `Bearer ${await fresh.sign({ client_id: 'x' })}` } });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { type: string }).type).toBe('https://concord.dev/problems/auth-unavailable');
    } finally {
      gw2.close();
      await fresh.stop();
    }
  });

  it('keeps serving the cached keys across a rebuild (config reload) while the provider is down', async () => {
    const provider = await startTestIdentityProvider();
    const config = {
      auth: {
        jwksUrl: provider.jwksUrl,
        issuer: provider.issuer,
        audience: provider.audience,
        jwks: { refreshIntervalMs: 100, cooldownMs: 0, timeoutMs: 500 },
      },
      plans: { p: { rateLimit: { points: 100, windowSeconds: 60 } } },
    };
    const { auth } = config;
    const input = { auth: { ...auth, unknownClientPlan: 'p' }, plans: config.plans, demo: { enabled: false } };
    const first = buildSecurityTestGateway(input);
    const token = () => provider.sign({ client_id: 'anyone', scope: 'orders:read' });
    expect((await first.app.request('/v1/orders', { headers: { authorization: `Bearer ${await token()}` } })).status).toBe(200);
    provider.setDown(true);
    try {
      const second = buildSecurityTestGateway(input, { deps: first.deps });
      first.close();
      await sleep(250);
      const res = await second.app.request('/v1/orders', { headers: { authorization: `Bearer ${await token()}` } });
      expect(res.status).toBe(200);
      second.close();
    } finally {
      await provider.stop();
    }
  });
});
