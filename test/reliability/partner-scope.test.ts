import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayLogger } from '@concord/gateway/src/observability/logger.ts';
import { hashClientSecret } from '@concord/gateway/src/partners/client-secret.ts';
import { issueTestToken } from '@concord/gateway/src/partners/testing/issue-test-token.ts';
import { startOrdersUpstream, type OrdersUpstream } from './support/orders-upstream.ts';
import { ORDER, postOrder, reliabilityGateway, type ReliabilityGateway } from './support/reliability-gateway.ts';

/**
 * With authentication on (partner tokens from the built-in issuer): Idempotency-Keys are scoped per
 * partner, and the access log names the partner, the operation and the latencies without ever
 * containing the token.
 */
describe('partners, idempotency scope and the access log', () => {
  const ACME_SECRET = 'acme-secret-for-reliability-tests';
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  let orders: OrdersUpstream;
  let gw: ReliabilityGateway;
  let demo: Record<string, string>;
  let acme: Record<string, string>;

  beforeAll(async () => {
    orders = await startOrdersUpstream();
    const destination = new Writable({
      write(chunk, _enc, done) {
        raw.push(String(chunk));
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    gw = reliabilityGateway({
      ordersUrl: orders.url,
      publicOperations: false,
      logger: createGatewayLogger({ destination }),
      security: {
        partners: [
          {
            clientId: 'acme-test',
            name: 'Acme',
            plan: 'demo',
            apis: ['orders'],
            scopes: ['orders:read', 'orders:write'],
            secrets: [await hashClientSecret(ACME_SECRET, { N: 1024, r: 8, p: 1 })],
          },
        ],
      },
    });
    demo = { authorization: `Bearer ${await issueTestToken(gw.app, { scope: 'orders:write orders:read' })}` };
    acme = {
      authorization: `Bearer ${await issueTestToken(gw.app, { clientId: 'acme-test', clientSecret: ACME_SECRET, scope: 'orders:write' })}`,
    };
  });
  afterAll(async () => {
    await gw?.close();
    await orders?.close();
  });

  it('scopes keys per partner: the same key from two partners places two orders', async () => {
    const first = await postOrder(gw, ORDER, 'shared-key', demo);
    const other = await postOrder(gw, { ...ORDER, lines: [{ sku: 'MUG-STONE-01', quantity: 1 }] }, 'shared-key', acme);
    expect(first.status).toBe(201);
    expect(other.status).toBe(201);
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    expect(orders.created).toBe(2);
    const replay = await postOrder(gw, ORDER, 'shared-key', demo);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(orders.created).toBe(2);
  });

  it('logs one JSON line per request with partner, operation, version, status and latencies, and no token', async () => {
    const before = lines.length;
    const res = await gw.request('/v1/orders/ord_0000000001', {
      headers: { ...demo, 'x-request-id': 'req-reliability-1', cookie: 'session=abc' },
    });
    expect(res.status).toBe(200);
    const line = lines.slice(before).find((l) => l.request_id === 'req-reliability-1')!;
    expect(line).toMatchObject({
      msg: 'request',
      partner: 'demo-partner',
      api: 'orders',
      version: 'v1',
      operation: 'getOrder',
      status: 200,
      attempts: 1,
      retries: 0,
    });
    expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(typeof line.upstream_ms).toBe('number');
    expect(typeof line.total_ms).toBe('number');
    const everything = raw.join('');
    for (const secret of [demo.authorization!.slice(7), acme.authorization!.slice(7), ACME_SECRET, 'session=abc'])
      expect(everything).not.toContain(secret);
  });

  it('labels request metrics with the partner', async () => {
    const text = await gw.metrics.metrics();
    expect(text).toContain(
      'concord_http_requests_total{api="orders",version="v1",operation="createOrder",partner="acme-test",status="201"} 1',
    );
    expect(text).toContain('concord_idempotent_replays_total{api="orders",operation="createOrder",partner="demo-partner"} 1');
  });
});
