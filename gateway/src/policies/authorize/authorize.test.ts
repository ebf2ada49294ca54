import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSecurityTestGateway,
  testRoute,
  TEST_ROUTES,
  type SecurityTestGateway,
} from '../../partners/testing/security-test-gateway.ts';
import { startTestIdentityProvider, type TestIdentityProvider } from '../../partners/testing/test-identity-provider.ts';
import { assertRoutesSecured, UnsecuredOperationError } from './assert-routes-secured.ts';

describe('authorize', () => {
  let idp: TestIdentityProvider;
  let gw: SecurityTestGateway;
  const call = async (path: string, claims: Record<string, unknown>, method = 'GET') =>
    gw.app.request(path, { method, headers: { authorization: `Bearer ${await idp.sign(claims)}` } });

  beforeAll(async () => {
    idp = await startTestIdentityProvider();
    gw = buildSecurityTestGateway({
      auth: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: idp.audience },
      partners: [
        { clientId: 'acme', name: 'Acme', plan: 'gold', apis: ['orders'], scopes: ['orders:read'] },
        { clientId: 'gone', name: 'Gone Ltd', plan: 'gold', apis: ['orders'], enabled: false },
      ],
      plans: { gold: { rateLimit: { points: 1000, windowSeconds: 60 } } },
      demo: { enabled: false },
    });
  });
  afterAll(async () => {
    gw.close();
    await idp.stop();
  });

  it('passes a token holding the operation scope', async () => {
    expect((await call('/v1/orders', { client_id: 'acme', scope: 'orders:read' })).status).toBe(200);
  });

  it('answers 403 insufficient_scope naming the required scope', async () => {
    const res = await call('/v1/orders', { client_id: 'acme', scope: 'orders:read' }, 'POST');
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="concord", error="insufficient_scope", error_description="[^"]*orders:write[^"]*", scope="orders:write"$/,
    );
    const body = await res.json();
    expect(body).toMatchObject({
      type: 'https://concord.dev/problems/insufficient-scope',
      status: 403,
      required_scopes: ['orders:write'],
      missing_scopes: ['orders:write'],
    });
    expect((body as { detail: string }).detail).toContain('"orders:write"');
  });

  it('reads scopes from an `scp` array too', async () => {
    expect((await call('/v1/orders', { client_id: 'acme', scp: ['orders:read'] })).status).toBe(200);
  });

  it('refuses an API the partner is not allowed, a disabled partner and an unknown client (403)', async () => {
    const api = await call('/v1/stock', { client_id: 'acme', scope: 'inventory:read' });
    expect(api.status).toBe(403);
    expect(await api.json()).toMatchObject({ type: 'https://concord.dev/problems/forbidden' });
    expect((await call('/v1/orders', { client_id: 'gone', scope: 'orders:read' })).status).toBe(403);
    expect((await call('/v1/orders', { client_id: 'stranger', scope: 'orders:read' })).status).toBe(403);
  });

  it('lets a public-on-purpose operation through without a token', async () => {
    expect((await gw.app.request('/v1/status')).status).toBe(200);
  });
});

describe('assertRoutesSecured (start-up)', () => {
  it('accepts secured and public-on-purpose operations', () => {
    expect(() => assertRoutesSecured(TEST_ROUTES)).not.toThrow();
  });

  it('refuses an operation whose contract has no security requirement', () => {
    const open = testRoute({ operationId: 'leaky', method: 'GET', publicPathTemplate: '/v1/leaky' });
    (open.operation as { security?: unknown }).security = undefined;
    expect(() => assertRoutesSecured([...TEST_ROUTES, open])).toThrow(UnsecuredOperationError);
    expect(() => assertRoutesSecured([...TEST_ROUTES, open])).toThrow(/orders\.v1#leaky/);
    const anonymous = testRoute({ operationId: 'anon', method: 'GET', publicPathTemplate: '/v1/anon' });
    (anonymous.operation as { security?: unknown }).security = [{}];
    expect(() => buildSecurityTestGateway({}, { routes: [anonymous] })).toThrow(/anon/);
  });
});
