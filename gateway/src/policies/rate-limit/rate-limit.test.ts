import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeRealService } from '@concord/service-runtime/src/testing/real-services.ts';
import { issueTestToken } from '../../partners/testing/issue-test-token.ts';
import { buildSecurityTestGateway, type SecurityTestGateway } from '../../partners/testing/security-test-gateway.ts';
import { rateLimitHeaders } from './ratelimit-headers.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const plans = {
  small: { rateLimit: { points: 3, windowSeconds: 1 }, operations: { createOrder: { points: 1, windowSeconds: 1 } } },
  quota: { rateLimit: { points: 100, windowSeconds: 60 }, quota: { points: 2, windowSeconds: 86_400 } },
};

describe('RateLimit headers (draft-ietf-httpapi-ratelimit-headers)', () => {
  it('writes structured-field lists', () => {
    expect(rateLimitHeaders([{ name: 'gold', quota: 100, windowSeconds: 60, remaining: 42, resetSeconds: 30 }])).toEqual({
      'RateLimit-Policy': '"gold";q=100;w=60',
      RateLimit: '"gold";r=42;t=30',
    });
  });
});

describe('rate limit (in memory)', () => {
  let gw: SecurityTestGateway;
  const token = (scope = 'orders:read orders:write', plan = 'small') =>
    issueTestToken(gw.app, { scope, clientId: `${plan}-partner`, clientSecret: 'concord-demo-secret-do-not-use-in-production' });

  beforeAll(() => {
    gw = buildSecurityTestGateway({
      plans,
      demo: { enabled: true, clientId: 'small-partner', plan: 'small' },
      rateLimit: { perIp: { points: 2, windowSeconds: 1 }, tokenEndpoint: { points: 1000, windowSeconds: 60 } },
    });
  });
  afterAll(() => gw.close());

  it('admits the plan, then 429 with Retry-After and problem+json, and does not lock out beyond the window', async () => {
    const auth = { authorization: `Bearer ${await token()}` };
    await sleep(1000 - (Date.now() % 1000)); // start near a fresh window for a stable count
    const statuses: number[] = [];
    let first: Response | undefined;
    let last: Response | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await gw.app.request('/v1/orders', { headers: auth });
      statuses.push(res.status);
      first ??= res;
      last = res;
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(first!.headers.get('ratelimit-policy')).toBe('"small";q=3;w=1');
    expect(first!.headers.get('ratelimit')).toMatch(/^"small";r=2;t=[01]$/);
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(last!.headers.get('content-type')).toBe('application/problem+json');
    expect(await last!.json()).toMatchObject({ type: 'https://concord.dev/problems/rate-limited', status: 429, policy: 'small' });
    expect(last!.headers.get('ratelimit')).toMatch(/^"small";r=0;t=\d$/);
    await sleep(1100);
    expect((await gw.app.request('/v1/orders', { headers: auth })).status).toBe(200);
  });

  it('applies a per-operation override', async () => {
    const auth = { authorization: `Bearer ${await token()}` };
    await sleep(1100);
    const a = await gw.app.request('/v1/orders', { method: 'POST', headers: auth });
    const b = await gw.app.request('/v1/orders', { method: 'POST', headers: auth });
    expect([a.status, b.status]).toEqual([200, 429]);
    expect(a.headers.get('ratelimit-policy')).toBe('"small.createOrder";q=1;w=1');
  });

  it('limits public operations per client IP', async () => {
    await sleep(1000 - (Date.now() % 1000));
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await gw.app.request('/v1/status')).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('counts a quota alongside the rate limit', async () => {
    const q = buildSecurityTestGateway({ plans, demo: { enabled: true, clientId: 'quota-partner', plan: 'quota' } });
    const auth = { authorization: `Bearer ${await issueTestToken(q.app, { clientId: 'quota-partner' })}` };
    const r1 = await q.app.request('/v1/orders', { headers: auth });
    expect(r1.headers.get('ratelimit-policy')).toBe('"quota";q=100;w=60, "quota-quota";q=2;w=86400');
    await q.app.request('/v1/orders', { headers: auth });
    const r3 = await q.app.request('/v1/orders', { headers: auth });
    expect(r3.status).toBe(429);
    expect(Number(r3.headers.get('retry-after'))).toBeGreaterThan(80_000);
    q.close();
  });
});

describe('rate limit (Redis)', async () => {
  const url = await probeRealService('redis');
  const prefix = `concord-test:rl:${process.pid}:${Date.now()}`;
  let redis: Redis;

  beforeAll(() => {
    if (url) redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
  });
  afterAll(async () => {
    if (!redis) return;
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it.runIf(url)('two gateways sharing Redis admit exactly the plan', async () => {
    await new Promise((resolve) => (redis.status === 'ready' ? resolve(null) : redis.once('ready', resolve)));
    const config = {
      plans: { shared: { rateLimit: { points: 20, windowSeconds: 60 } } },
      demo: { enabled: true, plan: 'shared' },
      rateLimit: { store: 'redis' as const, keyPrefix: prefix },
    };
    const a = buildSecurityTestGateway(config, { redis });
    const b = buildSecurityTestGateway(config, { redis });
    // Tokens of one gateway do not verify on the other (each has its own key); each partner token hits the same counter.
    const ta = { authorization: `Bearer ${await issueTestToken(a.app)}` };
    const tb = { authorization: `Bearer ${await issueTestToken(b.app)}` };
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        i % 2 ? a.app.request('/v1/orders', { headers: ta }) : b.app.request('/v1/orders', { headers: tb }),
      ),
    );
    const count = (s: number) => results.filter((r) => r.status === s).length;
    expect(count(200)).toBe(20);
    expect(count(429)).toBe(40);
    a.close();
    b.close();
  });

  it('fails closed with 503 (never 500) when configured and Redis is unreachable', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    const gw = buildSecurityTestGateway(
      { plans, demo: { enabled: true, plan: 'small' }, rateLimit: { store: 'redis', onStoreDown: 'fail-closed', keyPrefix: prefix } },
      { redis: dead },
    );
    const res = await gw.app.request('/v1/status');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ type: 'https://concord.dev/problems/dependency-unavailable' });
    // The token endpoint answers in OAuth's shape.
    const token = await gw.app.request('/oauth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(token.status).toBe(503);
    expect(await token.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect(await gw.metrics.getSingleMetricAsString('concord_rate_limit_store_failures_total')).toMatch(/behaviour="fail-closed"} [1-9]/);
    gw.close();
    dead.disconnect();
  });

  it('fails open, limiting in memory, when configured, with a metric', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    const gw = buildSecurityTestGateway(
      { plans, demo: { enabled: true, plan: 'small' }, rateLimit: { store: 'redis', onStoreDown: 'fail-open', keyPrefix: prefix } },
      { redis: dead },
    );
    const auth = { authorization: `Bearer ${await issueTestToken(gw.app)}` };
    await sleep(1000 - (Date.now() % 1000));
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await gw.app.request('/v1/orders', { headers: auth })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(await gw.metrics.getSingleMetricAsString('concord_rate_limit_store_failures_total')).toMatch(/behaviour="fail-open"} [1-9]/);
    gw.close();
    dead.disconnect();
  });

  it('treats a connected but silent Redis like a down one, after storeTimeoutMs', async () => {
    const sockets: import('node:net').Socket[] = [];
    // Answers the handshake (CLIENT SETINFO x2, INFO ready check), then never answers a command.
    const silent = createServer((socket) => {
      sockets.push(socket);
      let answered = 0;
      socket.on('data', (data) => {
        const commands = data.toString().match(/(?:^|\r\n)\*\d+\r\n/g)?.length ?? 0;
        for (let i = 0; i < commands && answered < 3; i++, answered++) {
          const body = 'redis_version:7.0.0\r\nloading:0\r\n';
          socket.write(answered < 2 ? '+OK\r\n' : `$${body.length}\r\n${body}\r\n`);
        }
      });
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const hung = new Redis(port, '127.0.0.1', { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    hung.on('error', () => {});
    await new Promise((resolve) => hung.once('ready', resolve));
    try {
      for (const onStoreDown of ['fail-open', 'fail-closed'] as const) {
        const gw = buildSecurityTestGateway(
          { demo: { enabled: false }, rateLimit: { store: 'redis', onStoreDown, storeTimeoutMs: 100, keyPrefix: prefix } },
          { redis: hung },
        );
        const started = Date.now();
        const res = await gw.app.request('/v1/status');
        expect(res.status).toBe(onStoreDown === 'fail-open' ? 200 : 503);
        expect(Date.now() - started).toBeLessThan(1000);
        gw.close();
      }
    } finally {
      hung.disconnect();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
