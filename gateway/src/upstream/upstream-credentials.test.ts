import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayFrom } from '../testing/started-gateway.ts';
import type { RunningGateway } from '../main.ts';
import { issueTestToken } from '../partners/testing/issue-test-token.ts';
import { sendJson, startFakeUpstream, unusedUrl, type FakeUpstream } from '../testing/fake-upstream.ts';
import { startIssuerGateway, type IssuerGateway } from './testing/issuer-gateway.ts';

describe("an upstream's own credential (upstreams.<name>.auth)", () => {
  let dir: string;
  let upstream: FakeUpstream;
  let issuer: IssuerGateway;
  let gateway: RunningGateway | undefined;
  /** An Authorization value the recording upstream answers 401 to. */
  let refuse: string | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'concord-upstream-auth-'));
    upstream = await startFakeUpstream((req, res) =>
      refuse !== undefined && req.headers['authorization'] === refuse
        ? sendJson(res, 401, { type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'token revoked' })
        : sendJson(res, 200, { data: [], next_cursor: null }),
    );
    issuer = await startIssuerGateway();
  });
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });
  afterAll(async () => {
    await upstream.close();
    await issuer.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A gateway serving customers v2 (tokens required) in front of the recording upstream, with this `auth`. */
  async function start(auth: Record<string, unknown>, variables: Record<string, string> = {}): Promise<RunningGateway> {
    const config = {
      upstreams: { customers: { url: upstream.url, timeoutMs: 2000, connectTimeoutMs: 500, auth } },
      apis: [{ contract: 'customers.v2', basePath: '/v2', upstream: 'customers' }],
      security: {
        rateLimit: { perIp: { points: 10_000, windowSeconds: 60 } },
        plans: { demo: { rateLimit: { points: 10_000, windowSeconds: 60 } } },
      },
    };
    ({ gateway } = await startGatewayFrom(dir, config, { variables }));
    return gateway;
  }

  async function call(g: RunningGateway, partnerToken: string): Promise<Response> {
    return fetch(`${g.url}/v2/customers?limit=1`, { headers: { authorization: `Bearer ${partnerToken}` } });
  }

  it('sends a header credential read from an environment variable, and never the partner token', async () => {
    const g = await start({ type: 'header', name: 'X-Api-Key', value: { env: 'CRM_API_KEY' } }, { CRM_API_KEY: 'crm-key-0123' });
    const partnerToken = await issueTestToken(g.url, { scope: 'customers:read' });
    const before = upstream.received.length;
    const res = await call(g, partnerToken);
    expect(res.status).toBe(200);
    const received = upstream.received.slice(before);
    expect(received).toHaveLength(1);
    expect(received[0]!.headers['x-api-key']).toBe('crm-key-0123');
    expect(received[0]!.headers['authorization']).toBeUndefined();
    expect(JSON.stringify(received[0]!.headers)).not.toContain(partnerToken);
  });

  it('replaces a client-sent header of the same name with the credential', async () => {
    const g = await start(
      { type: 'header', name: 'Idempotency-Key', value: { env: 'UPSTREAM_KEY' } },
      { UPSTREAM_KEY: 'from-the-gateway' },
    );
    const partnerToken = await issueTestToken(g.url, { scope: 'customers:read' });
    const before = upstream.received.length;
    await fetch(`${g.url}/v2/customers?limit=1`, {
      headers: { authorization: `Bearer ${partnerToken}`, 'idempotency-key': 'from-the-client' },
    });
    expect(upstream.received[before]!.headers['idempotency-key']).toBe('from-the-gateway');
  });

  it('sends HTTP Basic with a password read from a file next to the config', async () => {
    await writeFile(join(dir, 'legacy-password'), 'pa:ss wörd\n');
    const g = await start({ type: 'basic', username: 'concord', password: { file: 'legacy-password' } });
    const partnerToken = await issueTestToken(g.url, { scope: 'customers:read' });
    const before = upstream.received.length;
    expect((await call(g, partnerToken)).status).toBe(200);
    const sent = upstream.received[before]!.headers['authorization'];
    expect(sent).toBe(`Basic ${Buffer.from('concord:pa:ss wörd', 'utf8').toString('base64')}`);
  });

  it('fetches one client-credentials token for 100 concurrent calls and sends it instead of the partner token', async () => {
    const g = await start(
      {
        type: 'oauth2ClientCredentials',
        tokenUrl: issuer.tokenUrl,
        clientId: issuer.clientId,
        clientSecret: { env: 'CRM_SECRET' },
        scopes: ['orders:read'],
      },
      { CRM_SECRET: issuer.clientSecret },
    );
    const partnerToken = await issueTestToken(g.url, { scope: 'customers:read' });
    const issuedBefore = await issuer.issued();
    const before = upstream.received.length;
    const statuses = await Promise.all(Array.from({ length: 100 }, () => call(g, partnerToken).then((r) => r.status)));
    expect(statuses).toEqual(Array(100).fill(200));
    expect(await issuer.issued()).toBe(issuedBefore + 1);
    const sent = new Set(upstream.received.slice(before).map((r) => r.headers['authorization']));
    expect(sent.size).toBe(1);
    const [authorization] = [...sent];
    expect(authorization).toMatch(/^Bearer /);
    expect(authorization).not.toContain(partnerToken);
    expect(decodeJwt(authorization!.slice(7))).toMatchObject({ client_id: issuer.clientId, scope: 'orders:read' });
  });

  it('fetches a new token once the upstream refuses the current one (401)', async () => {
    const g = await start(
      {
        type: 'oauth2ClientCredentials',
        tokenUrl: issuer.tokenUrl,
        clientId: issuer.clientId,
        clientSecret: { env: 'CRM_SECRET' },
        scopes: ['orders:read'],
      },
      { CRM_SECRET: issuer.clientSecret },
    );
    const partnerToken = await issueTestToken(g.url, { scope: 'customers:read' });
    const issuedBefore = await issuer.issued();
    const before = upstream.received.length;
    expect((await call(g, partnerToken)).status).toBe(200);
    // The recording upstream refuses that token from now on, as one whose credentials were revoked would.
    const first = upstream.received[before]!.headers['authorization'];
    refuse = first;
    expect((await call(g, partnerToken)).status).toBe(401);
    expect((await call(g, partnerToken)).status).toBe(200);
    const sent = upstream.received.slice(before).map((r) => r.headers['authorization']);
    expect(sent).toEqual([first, first, expect.not.stringMatching(first!)]);
    expect(await issuer.issued()).toBe(issuedBefore + 2);
  });

  it('answers 502 upstream-auth-failed, without calling the upstream, when the token endpoint is down', async () => {
    const tokenUrl = `${await unusedUrl()}/oauth/token`;
    const g = await start(
      { type: 'oauth2ClientCredentials', tokenUrl, clientId: 'x', clientSecret: { env: 'CRM_SECRET' } },
      { CRM_SECRET: 'irrelevant' },
    );
    const partnerToken = await issueTestToken(g.url, { scope: 'customers:read' });
    const before = upstream.received.length;
    const res = await call(g, partnerToken);
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({
      type: 'https://concord.dev/problems/upstream-auth-failed',
      status: 502,
      code: 'UPSTREAM_AUTH_FAILED',
      detail: 'The gateway could not obtain its credential for the customers service: its token endpoint could not be reached.',
    });
    expect(upstream.received.length).toBe(before);
  });

  it('answers 502 upstream-auth-failed naming the refusal when the token endpoint refuses the client', async () => {
    const g = await start(
      { type: 'oauth2ClientCredentials', tokenUrl: issuer.tokenUrl, clientId: issuer.clientId, clientSecret: { env: 'CRM_SECRET' } },
      { CRM_SECRET: 'not-the-right-secret-at-all' },
    );
    const partnerToken = await issueTestToken(g.url, { scope: 'customers:read' });
    const res = await call(g, partnerToken);
    expect(res.status).toBe(502);
    const body = (await res.json()) as { detail: string };
    expect(body.detail).toBe(
      'The gateway could not obtain its credential for the customers service: its token endpoint answered 401 (invalid_client).',
    );
    expect(body.detail).not.toContain('not-the-right-secret');
  });

  it('refuses to start when a secret the config names cannot be read, naming its line', async () => {
    await expect(start({ type: 'header', name: 'X-Api-Key', value: { env: 'NOT_SET_ANYWHERE' } })).rejects.toThrow(
      /gateway\.config\.yaml:\d+:\d+ upstreams\.customers\.auth\.value\.env: the environment variable NOT_SET_ANYWHERE is not set/,
    );
  });
});
