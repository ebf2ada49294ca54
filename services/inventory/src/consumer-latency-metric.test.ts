import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '@concord/service-runtime/src/clock.ts';
import { serveHttp, type HttpServerHandle } from '@concord/service-runtime/src/http/serve-http.ts';
import { backendCases, createTestBackend, eventually, type TestBackend } from '@concord/service-runtime/src/testing/test-backends.ts';
import { createInventoryService, type InventoryService } from './inventory-service.ts';
import { ORDER_CANCELLED_SUBJECT } from './order-cancelled-consumer.ts';

const cases = await backendCases();
// The service's clock is pinned, so the latency it records is known to the millisecond.
const processedAt = new Date('2026-03-01T12:00:03.200Z');
const clock: Clock = { now: () => processedAt };
const cancelled = (id: string, time: string) => ({
  specversion: '1.0',
  id: `evt-${id}`,
  source: '/services/orders',
  type: 'order.cancelled',
  time,
  datacontenttype: 'application/json',
  subject: id,
  data: {
    id,
    customer_id: 'cus_12345678',
    status: 'cancelled',
    lines: [{ sku: 'TEA-LAT', quantity: 1 }],
    rejection_reason: null,
    created_at: '2026-03-01T11:00:00Z',
    updated_at: time,
    cancelled_at: time,
  },
});

/** The value of one sample line of the exposition, e.g. `name{a="b"} 2`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each(cases)('concord_consumer_event_latency_seconds of inventory on $name', (backend) => {
  let env: TestBackend;
  let service: InventoryService;
  let http: HttpServerHandle;
  const faults: unknown[] = [];

  beforeAll(async () => {
    if (backend.skip) return;
    env = await createTestBackend(backend);
    const db = await env.openDatabase('inventory');
    service = await createInventoryService({ db, bus: env.bus, clock, relayPollIntervalMs: 100, onError: (err) => faults.push(err) });
    await service.start();
    http = await serveHttp(service.app, { port: 0 });
  });
  afterAll(async () => {
    await http?.close();
    await service?.stop();
    expect(faults).toEqual([]);
    await env?.close();
  });

  it.skipIf(backend.skip)('observes each applied event once, from its time to the commit, per consumer and event type', async () => {
    const slow = cancelled('ord_latslow0001', '2026-03-01T12:00:00Z'); // 3.2 s before processedAt
    const fast = cancelled('ord_latfast0001', '2026-03-01T12:00:03Z'); // 0.2 s
    await env.bus.publish(ORDER_CANCELLED_SUBJECT, slow, { msgId: slow.id });
    // The same event published again under another message id: applied once, so measured once.
    await env.bus.publish(ORDER_CANCELLED_SUBJECT, slow, { msgId: `${slow.id}-again` });
    // An event that breaks the contract is dropped, not processed: not measured either.
    await env.bus.publish(
      ORDER_CANCELLED_SUBJECT,
      { ...cancelled('ord_latbad00001', '2026-03-01T12:00:01Z'), data: { id: 'x' } },
      {
        msgId: 'evt-bad',
      },
    );
    // Deliveries on one subject are in order: once this one is applied, the ones before it were handled.
    await env.bus.publish(ORDER_CANCELLED_SUBJECT, fast, { msgId: fast.id });
    await eventually(() => (service.onOrderCancelled.applied() === 2 ? true : undefined), 'both events to be applied');

    const res = await fetch(`${http.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('# TYPE concord_consumer_event_latency_seconds histogram');
    const labels = 'consumer="inventory.release-on-order-cancelled",event_type="order.cancelled"';
    const series = (suffix: string, le?: string) =>
      `concord_consumer_event_latency_seconds_${suffix}{${le === undefined ? labels : `le="${le}",${labels}`}}`;
    expect(sample(text, series('count'))).toBe(2);
    expect(sample(text, series('sum'))).toBeCloseTo(3.4, 6);
    expect(sample(text, series('bucket', '0.1'))).toBe(0);
    expect(sample(text, series('bucket', '0.25'))).toBe(1);
    expect(sample(text, series('bucket', '2.5'))).toBe(1);
    expect(sample(text, series('bucket', '5'))).toBe(2);
    // The contract-breaking event was reported as such, and is the only fault.
    expect(faults.map(String)).toEqual([expect.stringContaining('evt-bad breaks the contract')]);
    faults.length = 0;
  });
});
