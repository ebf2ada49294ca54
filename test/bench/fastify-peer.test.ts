/**
 * The bench's fastify peer does the work it is compared for: started as the bench starts it, in
 * front of a tiny upstream and a local issuer's JWKS, it refuses a missing, forged, expired or
 * foreign token (401), a token without the route's scope (403), proxies a valid one (200, from the
 * upstream, path rewritten), and counts requests per client (429 past the limit, another client
 * unaffected).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdentityProvider, type TestIdentityProvider } from '@concord/gateway/src/partners/testing/test-identity-provider.ts';
import { spawnReady, type ReadyProcess } from './processes.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PEER = fileURLToPath(new URL('./fastify-peer.ts', import.meta.url));
const LIMIT = 3;

let idp: TestIdentityProvider;
let stranger: TestIdentityProvider;
let upstream: Server;
let peer: ReadyProcess;
let peerUrl: string;
const seenByUpstream: string[] = [];

beforeAll(async () => {
  idp = await startTestIdentityProvider();
  // Another issuer's keys: its tokens carry a kid and a signature the peer must not accept.
  stranger = await startTestIdentityProvider({ issuer: idp.issuer, audience: idp.audience });
  upstream = createServer((req, res) => {
    seenByUpstream.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ from: 'upstream', url: req.url }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  peer = await spawnReady(
    process.execPath,
    [
      '--import',
      'tsx',
      PEER,
      '--upstream',
      upstreamUrl,
      '--jwks',
      idp.jwksUrl,
      '--issuer',
      idp.issuer,
      '--audience',
      idp.audience,
      '--rate-limit',
      String(LIMIT),
    ],
    { cwd: ROOT },
  );
  peerUrl = String(peer.ready.url);
}, 60_000);

afterAll(async () => {
  await peer?.stop();
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
  await idp?.stop();
  await stranger?.stop();
});

function get(path: string, token?: string): Promise<Response> {
  return fetch(`${peerUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

describe('the fastify peer of the bench', () => {
  it('answers 401 without a token, and does not reach the upstream', async () => {
    const before = seenByUpstream.length;
    const res = await get('/v2/customers/cus_4f9a2b7c1d8e');
    expect(res.status).toBe(401);
    expect(seenByUpstream.length).toBe(before);
  });

  it('answers 401 to a token it cannot verify: signed by another key, expired, or for another audience', async () => {
    const before = seenByUpstream.length;
    const forged = await stranger.sign({ client_id: 'forger', scope: 'customers:read' });
    const expired = await idp.sign({ client_id: 'late', scope: 'customers:read' }, { expiresIn: -600 });
    const foreign = await idp.sign({ client_id: 'elsewhere', scope: 'customers:read' }, { audience: 'urn:someone:else' });
    const wrongIssuer = await idp.sign({ client_id: 'elsewhere', scope: 'customers:read' }, { issuer: 'urn:someone:else' });
    // The forged token's kid is unknown; the same signature under a known kid must fail verification too.
    const [head, body, signature] = forged.split('.');
    const known = JSON.parse(Buffer.from(head!, 'base64url').toString()) as Record<string, unknown>;
    const relabelled = [Buffer.from(JSON.stringify({ ...known, kid: idp.currentKid })).toString('base64url'), body, signature].join('.');
    for (const token of [forged, relabelled, expired, foreign, wrongIssuer]) {
      const res = await get('/v2/customers/cus_4f9a2b7c1d8e', token);
      expect(res.status, token).toBe(401);
    }
    expect(seenByUpstream.length).toBe(before);
  });

  it('answers 403 to a valid token without customers:read', async () => {
    const before = seenByUpstream.length;
    const token = await idp.sign({ client_id: 'orders-only', scope: 'orders:read orders:write' });
    const res = await get('/v2/customers/cus_4f9a2b7c1d8e', token);
    expect(res.status).toBe(403);
    expect(seenByUpstream.length).toBe(before);
  });

  it('proxies a valid token with the scope to the upstream, the prefix rewritten', async () => {
    const token = await idp.sign({ client_id: 'reader', scope: 'customers:read' });
    const res = await get('/v2/customers/cus_4f9a2b7c1d8e', token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ from: 'upstream', url: '/customers/cus_4f9a2b7c1d8e' });
    expect(seenByUpstream.at(-1)).toBe('GET /customers/cus_4f9a2b7c1d8e');
  });

  it('answers 429 past the limit for one client, while another client is still served', async () => {
    const busy = await idp.sign({ client_id: 'busy-partner', scope: 'customers:read' });
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) statuses.push((await get('/v2/customers/cus_4f9a2b7c1d8e', busy)).status);
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(200), 429, 429]);

    // Keyed by the token's client, not the caller's IP (every request here comes from 127.0.0.1).
    const other = await idp.sign({ client_id: 'quiet-partner', scope: 'customers:read' });
    expect((await get('/v2/customers/cus_4f9a2b7c1d8e', other)).status).toBe(200);
  });
});
