import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { createPgliteDatabase } from '@concord/service-runtime/src/database/pglite-database.ts';
import { ORDER_PLACED_SUBJECT, orderPlacedEvent } from '../testing/events.ts';
import { startTestWebhooks, type TestWebhooks } from '../testing/harness.ts';
import { startReceiver, type WebhookReceiver } from '../testing/receiver.ts';

let hooks: TestWebhooks | undefined;
let receiver: WebhookReceiver | undefined;
let db: Database | undefined;
afterEach(async () => {
  await hooks?.close();
  await receiver?.close();
  await db?.close();
  hooks = receiver = db = undefined;
});

/** The embedded store, except that the first `failures` writes of attempt results fail. */
async function storeFailingResultWrites(failures: number): Promise<Database> {
  const inner = await createPgliteDatabase({ dataDir: 'memory://', schema: 'webhooks' });
  let left = failures;
  const failing = (sql: string) => {
    if (left > 0 && sql.includes('INSERT INTO webhook_attempts')) {
      left--;
      return Promise.reject(new Error('connection lost while writing results'));
    }
    return undefined;
  };
  return {
    get schema() {
      return inner.schema;
    },
    query: (sql, params) => failing(sql) ?? inner.query(sql, params),
    transaction: (work) => inner.transaction((tx) => work({ query: (sql, params) => failing(sql) ?? tx.query(sql, params) })),
    listen: (channel, onNotify) => inner.listen(channel, onNotify),
    tryAdvisoryLock: (key) => inner.tryAdvisoryLock(key),
    close: () => inner.close(),
  };
}

async function subscribe(h: TestWebhooks, url: string): Promise<string> {
  const res = await h.api('POST', '/webhooks/subscriptions', { url, event_types: ['order.placed'] });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function deliveryStates(h: TestWebhooks): Promise<{ status: string; attempts: number }[]> {
  const { rows } = await h.db.query<{ status: string; attempts: number }>(
    `SELECT d.status, (SELECT count(*)::int FROM webhook_attempts a WHERE a.delivery_id = d.id) AS attempts FROM webhook_deliveries d`,
  );
  return rows;
}

describe('webhook dispatcher', () => {
  it('loses no delivery when a batch of results cannot be written: they are sent again once their lease ends', async () => {
    db = await storeFailingResultWrites(1);
    hooks = await startTestWebhooks({ db, config: { leaseMs: 400 } });
    receiver = await startReceiver();
    await subscribe(hooks, receiver.url);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const event = orderPlacedEvent();
      ids.push(event.id);
      await hooks.publish(ORDER_PLACED_SUBJECT, event);
    }
    await expect
      .poll(() => deliveryStates(hooks!), { timeout: 15_000 })
      .toSatisfy((rows: { status: string }[]) => rows.length === 5 && rows.every((r) => r.status === 'succeeded'));
    expect([...receiver.accepted].sort()).toEqual([...ids].sort());
    // The batch whose write failed was delivered twice (same webhook-id each time), and recorded once.
    expect(receiver.received.length).toBeGreaterThan(5);
    expect((await deliveryStates(hooks)).every((r) => r.attempts >= 1)).toBe(true);
  });

  it('sends a delivery once even when its lease runs out while it waits in the queue', async () => {
    hooks = await startTestWebhooks({ config: { leaseMs: 60, perEndpointConcurrency: 1, pollIntervalMs: 10 } });
    // Each answer takes longer than a lease: the ones behind it are claimed again meanwhile.
    receiver = await startReceiver(() => ({ status: 204, delayMs: 150 }));
    await subscribe(hooks, receiver.url);
    for (let i = 0; i < 4; i++) await hooks.publish(ORDER_PLACED_SUBJECT, orderPlacedEvent());
    await expect
      .poll(() => deliveryStates(hooks!), { timeout: 15_000 })
      .toSatisfy((rows: { status: string }[]) => rows.length === 4 && rows.every((r) => r.status === 'succeeded'));
    const perId = new Map<string, number>();
    for (const hook of receiver.received)
      perId.set(String(hook.headers['webhook-id']), (perId.get(String(hook.headers['webhook-id'])) ?? 0) + 1);
    expect([...perId.values()]).toEqual([1, 1, 1, 1]);
  });
});
