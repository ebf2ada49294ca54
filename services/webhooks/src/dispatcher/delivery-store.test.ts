import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { runMigrations } from '@concord/service-runtime/src/database/migrations.ts';
import { createPgliteDatabase } from '@concord/service-runtime/src/database/pglite-database.ts';
import { webhookMigrations } from '../store/migrations.ts';
import { type AttemptRecord, createDeliveryStore, type DeliveryStore } from './delivery-store.ts';

let db: Database;
let store: DeliveryStore;
const T0 = new Date('2026-01-01T00:00:00Z');
const LATER = new Date('2026-01-01T00:00:10Z');

// One embedded database for the file (its start is most of the time), emptied before each test.
beforeAll(async () => {
  db = await createPgliteDatabase({ dataDir: 'memory://', schema: 'webhooks' });
  await runMigrations(db, webhookMigrations);
  store = createDeliveryStore(db);
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  await db.query('TRUNCATE webhook_attempts, webhook_deliveries, webhook_messages, webhook_subscriptions');
  for (const sub of ['sub_a', 'sub_b', 'sub_c']) {
    await db.query(
      `INSERT INTO webhook_subscriptions (id, partner, url, event_types, secret, failing_since, created_at, updated_at)
       VALUES ($1, 'p', 'https://p.example/h', '["order.placed"]', 'whsec_AAAA', $2, $3, $3)`,
      [sub, sub === 'sub_a' ? T0 : null, T0],
    );
  }
  for (const [i, sub] of ['sub_a', 'sub_a', 'sub_b', 'sub_c'].entries()) {
    await db.query(
      `INSERT INTO webhook_messages (id, event_type, event_time, body, received_at) VALUES ($1, 'order.placed', $2, '{}', $2)`,
      [`msg_${i}`, T0],
    );
    await db.query(
      `INSERT INTO webhook_deliveries (id, subscription_id, message_id, next_attempt_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $4, $4)`,
      [`dlv_${i}`, sub, `msg_${i}`, T0],
    );
  }
});

function record(deliveryId: string, subscriptionId: string, outcome: Partial<AttemptRecord>): AttemptRecord {
  return {
    deliveryId,
    subscriptionId,
    attempt: 1,
    startedAt: T0,
    durationMs: 12,
    outcome: 'succeeded',
    statusCode: 204,
    error: null,
    status: 'succeeded',
    nextAttemptAt: null,
    ...outcome,
  };
}

async function deliveries() {
  const { rows } = await db.query<{
    id: string;
    status: string;
    attempt_count: number;
    lease_until: Date | null;
    next_attempt_at: Date | null;
  }>('SELECT id, status, attempt_count, lease_until, next_attempt_at FROM webhook_deliveries ORDER BY id');
  return rows;
}

describe('delivery store', () => {
  it('claims with a lease and does not hand out leased deliveries again until it ends', async () => {
    const claim = (now: Date) =>
      store.claim({ now, leaseUntil: new Date(now.getTime() + 5000), skipSubscriptions: [], perSubscription: 10, limit: 100 });
    expect((await claim(LATER)).map((d) => d.id).sort()).toEqual(['dlv_0', 'dlv_1', 'dlv_2', 'dlv_3']);
    expect(await claim(LATER)).toEqual([]);
    expect(await claim(new Date(LATER.getTime() + 6000))).toHaveLength(4);
  });

  it('records a batch of successes in one go: attempts, new state, lease ended, failure clock stopped', async () => {
    await store.claim({ now: LATER, leaseUntil: new Date(LATER.getTime() + 5000), skipSubscriptions: [], perSubscription: 10, limit: 100 });
    const disabled = await store.record([record('dlv_0', 'sub_a', {}), record('dlv_2', 'sub_b', {})], LATER, 3600_000);
    expect(disabled.size).toBe(0);
    const rows = await deliveries();
    expect(rows.find((d) => d.id === 'dlv_0')).toMatchObject({ status: 'succeeded', attempt_count: 1, lease_until: null });
    expect(rows.find((d) => d.id === 'dlv_2')).toMatchObject({ status: 'succeeded', attempt_count: 1, lease_until: null });
    // Not in the batch: still leased, untouched.
    expect(rows.find((d) => d.id === 'dlv_1')).toMatchObject({ status: 'pending', attempt_count: 0 });
    expect(rows.find((d) => d.id === 'dlv_1')!.lease_until).not.toBeNull();
    const { rows: attempts } = await db.query(
      'SELECT delivery_id, attempt, outcome, status_code FROM webhook_attempts ORDER BY delivery_id',
    );
    expect(attempts).toEqual([
      { delivery_id: 'dlv_0', attempt: 1, outcome: 'succeeded', status_code: 204 },
      { delivery_id: 'dlv_2', attempt: 1, outcome: 'succeeded', status_code: 204 },
    ]);
    const { rows: subs } = await db.query<{ id: string; failing_since: Date | null }>(
      'SELECT id, failing_since FROM webhook_subscriptions ORDER BY id',
    );
    expect(subs[0]).toEqual({ id: 'sub_a', failing_since: null });
  });

  it('records every outcome of a mixed batch, starts the failure clock and disables on 410', async () => {
    const retryAt = new Date(LATER.getTime() + 5000);
    const disabled = await store.record(
      [
        record('dlv_0', 'sub_a', {}),
        record('dlv_1', 'sub_a', { outcome: 'failed', statusCode: 503, error: 'HTTP 5xx', status: 'pending', nextAttemptAt: retryAt }),
        record('dlv_2', 'sub_b', { outcome: 'timeout', statusCode: null, error: 'timeout', status: 'pending', nextAttemptAt: retryAt }),
        record('dlv_3', 'sub_c', { outcome: 'failed', statusCode: 410, error: 'HTTP 4xx', status: 'dead_lettered', disableReason: 'gone' }),
      ],
      LATER,
      3600_000,
    );
    expect([...disabled]).toEqual([['sub_c', 'gone']]);
    const rows = await deliveries();
    expect(rows.map((d) => [d.id, d.status, d.attempt_count])).toEqual([
      ['dlv_0', 'succeeded', 1],
      ['dlv_1', 'pending', 1],
      ['dlv_2', 'pending', 1],
      ['dlv_3', 'dead_lettered', 1],
    ]);
    expect(rows[1]!.next_attempt_at).toEqual(retryAt);
    const { rows: attempts } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_attempts');
    expect(attempts[0]!.n).toBe(4);
    const { rows: subs } = await db.query<{ id: string; status: string; failing_since: Date | null }>(
      'SELECT id, status, failing_since FROM webhook_subscriptions ORDER BY id',
    );
    // sub_a had a success in the batch: its clock stops even though another delivery failed.
    expect(subs).toEqual([
      { id: 'sub_a', status: 'active', failing_since: null },
      { id: 'sub_b', status: 'active', failing_since: LATER },
      { id: 'sub_c', status: 'disabled', failing_since: LATER },
    ]);
  });

  it('skips the results of deliveries that are gone (their subscription was deleted) and writes the rest', async () => {
    await db.query(`DELETE FROM webhook_subscriptions WHERE id = 'sub_b'`);
    await store.record([record('dlv_0', 'sub_a', {}), record('dlv_2', 'sub_b', {})], LATER, 3600_000);
    const { rows } = await db.query('SELECT delivery_id FROM webhook_attempts');
    expect(rows).toEqual([{ delivery_id: 'dlv_0' }]);
  });
});
