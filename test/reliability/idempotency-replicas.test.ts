import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeRealService } from '@concord/service-runtime/src/testing/real-services.ts';
import { startOrdersUpstream, type OrdersUpstream } from './support/orders-upstream.ts';
import { ORDER, postOrder, reliabilityGateway, type ReliabilityGateway } from './support/reliability-gateway.ts';

/**
 * Issue 6, "Done when": two gateway replicas sharing Redis. Each replica has its own Redis client,
 * as two processes would; records live under a key prefix unique to this run, removed afterwards.
 */
const redisUrl = await probeRealService('redis');

describe.skipIf(!redisUrl)('Idempotency-Key across two replicas sharing Redis', () => {
  const prefix = `test:reliability:${randomUUID()}:`;
  let orders: OrdersUpstream;
  let clients: Redis[];
  let a: ReliabilityGateway;
  let b: ReliabilityGateway;

  beforeAll(async () => {
    orders = await startOrdersUpstream();
    clients = [new Redis(redisUrl!), new Redis(redisUrl!)];
    const resilience = { idempotency: { keyPrefix: `${prefix}idem:` } };
    a = reliabilityGateway({ ordersUrl: orders.url, redis: clients[0]!, keyPrefix: prefix, resilience });
    b = reliabilityGateway({ ordersUrl: orders.url, redis: clients[1]!, keyPrefix: prefix, resilience });
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), orders?.close()]);
    const keys = await clients[0]!.keys(`${prefix}*`);
    if (keys.length) await clients[0]!.del(...keys);
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('the same key on two replicas returns the same response and creates one order', async () => {
    const key = randomUUID();
    const first = await postOrder(a, ORDER, key);
    const second = await postOrder(b, ORDER, key);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(await second.text()).toBe(await first.text());
    expect(orders.created).toBe(1);
  });

  it('the same key with a different payload is 422 on either replica', async () => {
    const key = randomUUID();
    expect((await postOrder(a, ORDER, key)).status).toBe(201);
    const created = orders.created;
    const other = { ...ORDER, lines: [{ sku: 'MUG-STONE-01', quantity: 1 }] };
    for (const gw of [a, b]) {
      const res = await postOrder(gw, other, key);
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await res.json()) as { code: string }).code).toBe('IDEMPOTENCY_MISMATCH');
    }
    expect(orders.created).toBe(created);
  });

  it('concurrent duplicates on two replicas: one runs, the other gets 409', async () => {
    const key = randomUUID();
    const before = orders.created;
    const release = orders.holdCreates();
    const first = postOrder(a, ORDER, key);
    // wait until the first request holds the key (it has reached the upstream)
    const postsBefore = orders.count('POST');
    while (orders.count('POST') === postsBefore) await new Promise((r) => setTimeout(r, 5));
    const duplicate = await postOrder(b, ORDER, key);
    expect(duplicate.status).toBe(409);
    expect(duplicate.headers.get('retry-after')).toBe('1');
    expect(((await duplicate.json()) as { code: string }).code).toBe('IDEMPOTENCY_CONFLICT');
    release();
    expect((await first).status).toBe(201);
    expect(orders.created).toBe(before + 1);
    // once the first completed, the duplicate's retry is a replay
    const retried = await postOrder(b, ORDER, key);
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
  });

  it('many concurrent duplicates fired at once: exactly one order, the others 409', async () => {
    const key = randomUUID();
    const before = orders.created;
    const release = orders.holdCreates();
    let answered = 0;
    const pending = Array.from({ length: 6 }, (_, i) =>
      postOrder(i % 2 ? a : b, ORDER, key).then((r) => {
        answered++;
        return r;
      }),
    );
    // the duplicates are answered while the one that holds the key waits upstream
    while (answered < 5) await new Promise((r) => setTimeout(r, 5));
    release();
    const responses = await Promise.all(pending);
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(5);
    expect(orders.created).toBe(before + 1);
  });
});
