import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { probeRealService } from '@concord/service-runtime/src/testing/real-services.ts';
import { deadUpstreamUrl, startOrdersUpstream } from './support/orders-upstream.ts';
import { reliabilityGateway } from './support/reliability-gateway.ts';

/** /healthz says the process is alive; /readyz that Redis and every upstream answer. */
const redisUrl = await probeRealService('redis');
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('health endpoints of the real gateway', () => {
  it('is ready when the upstream (and Redis, when configured) answer', async () => {
    const orders = await startOrdersUpstream();
    cleanup.push(() => orders.close());
    const redis = redisUrl ? new Redis(redisUrl) : undefined;
    if (redis) cleanup.push(() => redis.quit());
    const gw = reliabilityGateway({ ordersUrl: orders.url, ...(redis ? { redis } : {}) });
    cleanup.push(() => gw.close());
    const res = await gw.request('/readyz');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; checks: Record<string, { status: string }> };
    expect(body.status).toBe('ready');
    expect(body.checks['upstream:orders']?.status).toBe('up');
    if (redis) expect(body.checks.redis?.status).toBe('up');
  });

  it('is not ready (503 problem+json naming the upstream) when an upstream is down, while /healthz stays 200', async () => {
    const gw = reliabilityGateway({ ordersUrl: await deadUpstreamUrl() });
    cleanup.push(() => gw.close());
    const ready = await gw.request('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await ready.json()) as { code: string; detail: string; checks: Record<string, { status: string; error?: string }> };
    expect(body.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(body.detail).toContain('upstream:orders');
    expect(body.checks['upstream:orders']?.status).toBe('down');
    expect((await gw.request('/healthz')).status).toBe(200);
  });
});
