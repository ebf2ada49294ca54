import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../main.ts';
import { issueTestToken } from '../partners/testing/issue-test-token.ts';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../testing/fake-upstream.ts';
import { customersConfig } from '../testing/test-gateway.ts';
import { startGatewayFrom } from '../testing/started-gateway.ts';
import { ADA } from '../testing/fake-customers-v2.ts';

/**
 * The public listener as a stranger on the internet meets it, over real sockets: what it serves in
 * production and what only the admin listener serves, the headers every answer carries, requests
 * HTTP forbids, and the per-address connection cap.
 */
const customer = ADA;

/** One raw HTTP/1.1 exchange: what a client library would never send. */
function rawRequest(url: string, head: string, localAddress?: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ...(localAddress ? { localAddress } : {}) }, () => socket.write(head));
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString();
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('the public listener', () => {
  let dir: string;
  let upstream: FakeUpstream;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'concord-listener-'));
    upstream = await startFakeUpstream((req, res) => {
      if (req.url.includes('cached')) res.setHeader('cache-control', 'private, max-age=60');
      sendJson(res, 200, customer);
    });
  });
  afterAll(async () => {
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(config: Record<string, unknown>, nodeEnv?: string): Promise<RunningGateway> {
    const { gateway } = await startGatewayFrom(dir, config, {
      variables: nodeEnv ? { NODE_ENV: nodeEnv } : {},
      fileName: `${Math.random().toString(36).slice(2)}.yaml`,
    });
    return gateway;
  }

  describe('in production', () => {
    let gateway: RunningGateway;
    beforeAll(async () => {
      gateway = await start({ ...customersConfig(upstream.url), observability: { readiness: { checkUpstreams: false } } }, 'production');
    });
    afterAll(() => gateway.close());

    it('serves /metrics and /readyz on the admin listener only; /healthz stays public and says nothing more', async () => {
      expect((await fetch(`${gateway.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${gateway.url}/readyz`)).status).toBe(404);
      const health = await fetch(`${gateway.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });

      expect(new URL(gateway.adminUrl).hostname).toBe('127.0.0.1');
      const metrics = await fetch(`${gateway.adminUrl}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('concord_open_connections');
      const ready = await fetch(`${gateway.adminUrl}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', checks: { connections: { status: 'up' } } });
    });
  });

  describe('in development', () => {
    let gateway: RunningGateway;
    beforeAll(async () => {
      const config = customersConfig(upstream.url, {
        defaults: { policies: {} },
        upstreams: { customers: { url: upstream.url, timeoutMs: 2000, forwardHeaders: ['x-tenant-hint'] } },
        server: { maxConnectionsPerIp: 3 },
      });
      gateway = await start(config);
    });
    afterAll(() => gateway.close());

    it('also serves the operator endpoints on the public port, for convenience', async () => {
      expect((await fetch(`${gateway.url}/metrics`)).status).toBe(200);
    });

    it('answers another method on its own endpoints with 405 and Allow', async () => {
      const token = await fetch(`${gateway.url}/oauth/token`);
      expect(token.status).toBe(405);
      expect(token.headers.get('allow')).toBe('POST');
      expect(await token.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
      const health = await fetch(`${gateway.url}/healthz`, { method: 'POST' });
      expect(health.status).toBe(405);
      expect(health.headers.get('allow')).toBe('GET, HEAD');
    });

    it('puts nosniff and Referrer-Policy on every answer: its own, errors and proxied ones', async () => {
      const token = await issueTestToken(gateway.url, { scope: 'customers:read' });
      const answers = [
        await fetch(`${gateway.url}/healthz`),
        await fetch(`${gateway.url}/nowhere`),
        await fetch(`${gateway.url}/v2/customers/cus_4f9a2b7c1d8e`, { headers: { authorization: `Bearer ${token}` } }),
      ];
      for (const res of answers) {
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      }
    });

    it('marks an authenticated answer no-store unless the upstream said how to cache it', async () => {
      const auth = { authorization: `Bearer ${await issueTestToken(gateway.url, { scope: 'customers:read' })}` };
      const plain = await fetch(`${gateway.url}/v2/customers/cus_4f9a2b7c1d8e`, { headers: auth });
      expect(plain.status).toBe(200);
      expect(plain.headers.get('cache-control')).toBe('no-store');
      const own = await fetch(`${gateway.url}/v2/customers/cus_cached00001`, { headers: auth });
      expect(own.headers.get('cache-control')).toBe('private, max-age=60');
    });

    it('refuses two Host headers with 400 problem+json', async () => {
      const answer = await rawRequest(
        gateway.url,
        'GET /healthz HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nConnection: close\r\n\r\n',
      );
      expect(answer).toMatch(/^HTTP\/1\.1 400/);
      expect(answer).toContain('application/problem+json');
      expect(answer).toContain('"code":"MALFORMED_REQUEST"');
    });

    it('drops headers named in Connection, and an absolute-form https target does not make X-Forwarded-Proto https', async () => {
      const token = await issueTestToken(gateway.url, { scope: 'customers:read' });
      const before = upstream.received.length;
      const answer = await rawRequest(
        gateway.url,
        `GET https://evil.example/v2/customers/cus_4f9a2b7c1d8e HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${token}\r\n` +
          'X-Tenant-Hint: secret\r\nConnection: close, X-Tenant-Hint\r\n\r\n',
      );
      expect(answer).toMatch(/^HTTP\/1\.1 200/);
      const seen = upstream.received.slice(before).at(-1)!;
      expect(seen.headers['x-tenant-hint']).toBeUndefined();
      expect(seen.headers['x-forwarded-proto']).toBe('http');
    });

    it('closes connections past the per-address cap at once, while another address is served', async () => {
      const { hostname, port } = new URL(gateway.url);
      const held: Socket[] = [];
      for (let i = 0; i < 3; i++) {
        const socket = connect({ host: hostname, port: Number(port) });
        await new Promise((resolve) => socket.once('connect', resolve));
        held.push(socket);
      }
      const refused = connect({ host: hostname, port: Number(port) });
      await new Promise((resolve) => refused.once('close', resolve));
      expect(refused.bytesRead).toBe(0);

      // Linux routes all of 127.0.0.0/8 to loopback: another client address on the same machine.
      const other = await rawRequest(gateway.url, 'GET /healthz HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n', '127.0.0.2');
      expect(other).toMatch(/^HTTP\/1\.1 200/);

      for (const socket of held) socket.destroy();
      const metrics = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
      expect(metrics).toMatch(/concord_connections_refused_total\{reason="per_address"\} [1-9]/);
    });
  });
});
