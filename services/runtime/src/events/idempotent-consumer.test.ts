import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../database/database.ts';
import { runMigrations } from '../database/migrations.ts';
import { backendCases, createTestBackend, type TestBackend } from '../testing/test-backends.ts';
import type { BusMessage } from './event-bus.ts';
import { createIdempotentConsumer } from './idempotent-consumer.ts';
import { runtimeMigrations } from './runtime-migrations.ts';

const cases = await backendCases();
const order = {
  id: 'ord_12345678',
  customer_id: 'cus_12345678',
  status: 'cancelled',
  lines: [{ sku: 'TEA-1', quantity: 2 }],
  rejection_reason: null,
  created_at: '2025-05-20T10:15:00Z',
  updated_at: '2025-05-21T07:45:12Z',
  cancelled_at: '2025-05-21T07:45:12Z',
};
const envelope = (id: string) => ({
  specversion: '1.0',
  id,
  source: '/services/orders',
  type: 'order.cancelled',
  time: '2025-05-21T07:45:12Z',
  datacontenttype: 'application/json',
  subject: order.id,
  data: order,
});
const message = (id: string, deliveryCount = 1): BusMessage => ({
  subject: 'concord.order.cancelled',
  msgId: id,
  envelope: envelope(id),
  deliveryCount,
});

describe.each(cases)('idempotent consumer on $name', (backend) => {
  let env: TestBackend;
  let db: Database;
  beforeAll(async () => {
    env = await createTestBackend(backend);
    db = await env.openDatabase('consumer');
    await runMigrations(db, runtimeMigrations);
    await db.query('CREATE TABLE effects (event_id text NOT NULL)');
  });
  afterAll(() => env?.close());

  it.skipIf(backend.skip)('applies an event id once, however often it is delivered', async () => {
    const consumer = createIdempotentConsumer({
      db,
      consumer: 'test',
      event: 'order.cancelled',
      handle: async (tx, e) => void (await tx.query('INSERT INTO effects VALUES ($1)', [e.id])),
    });
    await consumer(message('e-1'));
    await consumer(message('e-1', 2));
    await Promise.all([consumer(message('e-2')), consumer(message('e-2'))].map((p) => p.catch(() => undefined)));
    await consumer(message('e-2', 3));
    const { rows } = await db.query<{ event_id: string }>('SELECT event_id FROM effects ORDER BY event_id');
    expect(rows.map((r) => r.event_id)).toEqual(['e-1', 'e-2']);
    expect(consumer.applied()).toBe(2);
  });

  it.skipIf(backend.skip)('records nothing when the effect fails, so the redelivery applies it', async () => {
    let fail = true;
    const consumer = createIdempotentConsumer({
      db,
      consumer: 'flaky',
      event: 'order.cancelled',
      handle: async (tx, e) => {
        await tx.query('INSERT INTO effects VALUES ($1)', [`flaky-${e.id}`]);
        if (fail) throw new Error('effect failed');
      },
    });
    await expect(consumer(message('e-3'))).rejects.toThrow('effect failed');
    fail = false;
    await consumer(message('e-3', 2));
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM effects WHERE event_id = 'flaky-e-3'");
    expect(rows[0]!.n).toBe(1);
  });

  it.skipIf(backend.skip)('drops (and reports) an event that breaks the contract instead of retrying it forever', async () => {
    const invalid: string[] = [];
    const consumer = createIdempotentConsumer({
      db,
      consumer: 'strict',
      event: 'order.cancelled',
      handle: async () => {},
      onInvalid: (m) => void invalid.push(m.msgId),
    });
    await consumer({ ...message('e-4'), envelope: { ...envelope('e-4'), data: { id: 'nope' } } });
    expect(invalid).toEqual(['e-4']);
  });
});
