import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.ts';
import { createClientCredentialsToken, type ClientCredentialsTokenOptions } from './client-credentials-token.ts';
import { startIssuerGateway, type IssuerGateway } from './testing/issuer-gateway.ts';

/** Against a real token endpoint (a second gateway's built-in issuer, tokens of 3600 s), with a clock the test moves. */
describe('a client-credentials token held for an upstream', () => {
  let issuer: IssuerGateway;
  beforeAll(async () => {
    issuer = await startIssuerGateway({ tokenTtlSeconds: 3600 });
  });
  afterAll(() => issuer.close());

  function holder(clock: { t: number }, extra: Partial<ClientCredentialsTokenOptions> = {}) {
    return createClientCredentialsToken({
      upstream: 'crm',
      tokenUrl: issuer.tokenUrl,
      clientId: issuer.clientId,
      clientSecret: issuer.clientSecret,
      scopes: ['orders:read'],
      clientAuthentication: 'basic',
      refreshBeforeExpirySeconds: 60,
      timeoutMs: 5000,
      now: () => clock.t,
      ...extra,
    });
  }

  it('is reused until shortly before it expires, then replaced while the old one still serves', async () => {
    const clock = { t: Date.now() };
    const token = holder(clock);
    const before = await issuer.issued();
    const first = await token.get();
    expect(decodeJwt(first)).toMatchObject({ client_id: issuer.clientId, scope: 'orders:read' });

    clock.t += 3_500_000; // 100 s left: still outside the refresh window (60 s before expiry)
    expect(token.get()).toBe(first);
    expect(await issuer.issued()).toBe(before + 1);

    clock.t += 50_000; // 50 s left: inside the window; the current token still answers, at once
    expect(token.get()).toBe(first);

    clock.t += 60_000; // expired: only the new token will do
    const second = await token.get();
    expect(second).not.toBe(first);
    expect(await issuer.issued()).toBe(before + 2);
    await token.close();
  });

  it('sends client_secret_post when configured, and fetches a new token once the upstream refused the current one', async () => {
    const clock = { t: Date.now() };
    const token = holder(clock, { clientAuthentication: 'post' });
    const before = await issuer.issued();
    const first = await token.get();
    token.invalidate('some-other-token');
    expect(token.get()).toBe(first);
    token.invalidate(first);
    const second = await token.get();
    expect(second).not.toBe(first);
    expect(await issuer.issued()).toBe(before + 2);
    await token.close();
  });

  it('fails with upstream-auth-failed, and does not call the token endpoint again for a moment after a failure', async () => {
    const clock = { t: Date.now() };
    const token = holder(clock, { clientSecret: 'wrong-secret-wrong-secret' });
    const failure = await Promise.resolve()
      .then(() => token.get())
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(GatewayError);
    expect(failure).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', status: 502 });
    const rejectedBefore = await rejections();
    expect(() => token.get()).toThrow(/token endpoint answered 401/);
    expect(await rejections()).toBe(rejectedBefore);
    clock.t += 1_001;
    await expect(Promise.resolve().then(() => token.get())).rejects.toThrow(/401/);
    expect(await rejections()).toBe(rejectedBefore + 1);
    await token.close();
  });

  async function rejections(): Promise<number> {
    const text = await (await fetch(`${issuer.gateway.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('concord_oauth_tokens_total{outcome="invalid_client"}'));
    return line ? Number(line.split(' ').pop()) : 0;
  }
});
