import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../database/database.ts';
import { runMigrations } from '../database/migrations.ts';
import { randomIds } from '../ids.ts';
import { backendCases, createTestBackend, type TestBackend } from '../testing/test-backends.ts';
import type { EventBus } from './event-bus.ts';
import { createOutbox, type Outbox } from './outbox.ts';
import { createOutboxRelay } from './outbox-relay.ts';
import { runtimeMigrations } from './runtime-migrations.ts';

const cases = await backendCases();
const clock = { now: () => new Date('2025-05-20T10:15:00Z') };
const placed = (id: string) => ({
  id,
  customer_id: 'cus_12345678',
  status: 'pending' as const,
  lines: [{ sku: 'TEA-1', quantity: 1 }],
  rejection_reason: null,
  created_at: '2025-05-20T10:15:00Z',
  updated_at: '2025-05-20T10:15:00Z',
  cancelled_at: null,
});

describe.each(cases)('outbox and relay on $name', (backend) => {
  let env: TestBackend;
  let db: Database;
  let outbox: Outbox;

  beforeAll(async () => {
    env = await createTestBackend(backend);
    db = await env.openDatabase('relay');
    await runMigrations(db, runtimeMigrations);
    outbox = createOutbox({ service: 'orders', schema: db.schema, clock, ids: randomIds });
  });
  afterAll(() => env?.close());

  async function append(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const e = await db.transaction((tx) =>
        outbox.appendEvent(tx, 'order.placed', placed(`ord_${String(i).padStart(8, '0')}`), {
          subject: 'ord_x',
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        }),
      );
      ids.push(e.id);
    }
    return ids;
  }

  async function unpublished(): Promise<number> {
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
    return rows[0]!.n;
  }

  it.skipIf(backend.skip)('builds a CloudEvents envelope and validates it against the AsyncAPI contract', async () => {
    const envelope = await db.transaction((tx) =>
      outbox.appendEvent(tx, 'order.placed', placed('ord_abcdefgh'), { subject: 'ord_abcdefgh', traceparent: 'not-a-traceparent' }),
    );
    expect(envelope).toMatchObject({
      specversion: '1.0',
      source: '/services/orders',
      type: 'order.placed',
      time: '2025-05-20T10:15:00.000Z',
      datacontenttype: 'application/json',
      subject: 'ord_abcdefgh',
    });
    expect(envelope).not.toHaveProperty('traceparent');
    const bad = { ...placed('ord_abcdefgh'), status: 'shipped' } as unknown as ReturnType<typeof placed>;
    await expect(db.transaction((tx) => outbox.appendEvent(tx, 'order.placed', bad, { subject: 'ord_abcdefgh' }))).rejects.toThrow(
      /\/data\/status/,
    );
    await createOutboxRelay({ db, bus: env.bus }).drain();
  });

  it.skipIf(backend.skip)('writes nothing when the transaction rolls back', async () => {
    const before = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox')).rows[0]!.n;
    await expect(
      db.transaction(async (tx) => {
        await outbox.appendEvent(tx, 'order.placed', placed('ord_rollback1'), { subject: 'ord_rollback1' });
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox')).rows[0]!.n).toBe(before);
  });

  it.skipIf(backend.skip)('loses nothing when the relay dies between publish and mark, and publishes each id once', async () => {
    const ids = await append(5);
    // The "process" dies right after the bus stored the third event, before the row was marked.
    let published = 0;
    const dying: EventBus = {
      ...env.bus,
      async publish(subject, envelope, options) {
        const result = await env.bus.publish(subject, envelope, options);
        if (++published === 3) throw new Error('killed after publish, before mark');
        return result;
      },
    };
    await expect(createOutboxRelay({ db, bus: dying }).drain()).rejects.toThrow('killed');
    expect(await unpublished()).toBe(3);

    // A restarted process: a new connection to the same stream, a new relay.
    const restartedBus = await env.openBus();
    const relay = createOutboxRelay({ db: db, bus: restartedBus });
    expect(await relay.drain()).toBe(3);
    expect(await unpublished()).toBe(0);

    const stored = (await restartedBus.readAll()).filter((m) => ids.includes(m.msgId));
    expect(stored.map((m) => m.msgId)).toEqual(ids);
    expect(stored.every((m) => m.subject === 'concord.order.placed')).toBe(true);
    expect(stored.map((m) => (m.envelope as { id: string }).id)).toEqual(ids);
  });

  it.skipIf(backend.skip)('publishes rows committed while it was down once it starts, woken by NOTIFY or the poll', async () => {
    const ids = await append(3);
    const relay = createOutboxRelay({ db, bus: env.bus, pollIntervalMs: 200 });
    await relay.start();
    try {
      const later = await append(2);
      await expect.poll(unpublished, { timeout: 10_000, interval: 25 }).toBe(0);
      const stored = (await env.bus.readAll()).map((m) => m.msgId);
      for (const id of [...ids, ...later]) expect(stored.filter((s) => s === id)).toHaveLength(1);
    } finally {
      await relay.stop();
    }
  });
  it.skipIf(backend.skip)('publishes a backlog of several batches in seq order, with a whole batch in flight at once', async () => {
    await createOutboxRelay({ db, bus: env.bus }).drain();
    const ids = await append(7);
    let inFlight = 0;
    let most = 0;
    const counting: EventBus = {
      ...env.bus,
      async publish(subject, envelope, options) {
        most = Math.max(most, ++inFlight);
        try {
          return await env.bus.publish(subject, envelope, options);
        } finally {
          inFlight--;
        }
      },
    };
    expect(await createOutboxRelay({ db, bus: counting, batchSize: 3 }).drain()).toBe(7);
    expect(most).toBe(3);
    expect(await unpublished()).toBe(0);
    const stored = (await env.bus.readAll()).map((m) => m.msgId).filter((id) => ids.includes(id));
    expect(stored).toEqual(ids);
  });
});
