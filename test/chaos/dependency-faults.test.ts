import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { createPgDatabase } from '@concord/service-runtime/src/database/pg-database.ts';
import { eventually } from '@concord/service-runtime/src/testing/test-backends.ts';
import { freePort } from '../support/free-port.ts';
import { createLedger, type Ledger } from './support/ledger.ts';
import { PARTNER_HEADERS, startOrderLoad, type LoadResult } from './support/order-load.ts';
import { privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from './support/private-postgres.ts';
import { startPrivateNats, type PrivateNats } from './support/private-nats.ts';
import { startStackProcess, type StackProcess } from './support/stack-process.ts';
import { startReceiver, type WebhookReceiver } from '@concord/service-webhooks/src/testing/receiver.ts';

/**
 * The system APIs against faults of their real dependencies: a private PostgreSQL and NATS on
 * free ports, the four services as one real process, concurrent keyed orders straight at orders.
 */
const unavailable = await privatePostgresUnavailable();
if (unavailable) {
  if (process.env.CONCORD_REQUIRE_SERVICES === '1') throw new Error(`chaos suite cannot run: ${unavailable}`);
  console.warn(`\n*** SKIPPING the chaos suite: ${unavailable} ***\n`);
}

const STOCK = 1_000_000;
const RESERVATION_TTL_MS = 5000;
const REAPER_INTERVAL_MS = 500;
/** Longer than the old NATS client's give-up point (10 attempts, 2 s apart); the issue saw 60 s. */
const NATS_OUTAGE_MS = 60_000;
const PG_OUTAGE_MS = 3000;

interface Row {
  scenario: string;
  sent: number;
  acknowledged: number;
  unavailable503: number;
  persisted: number;
  published: number;
  /** Orders whose order.placed reached the partner's webhook endpoint. */
  delivered: number;
  duplicates: number;
}
const table: Row[] = [];

describe.skipIf(unavailable !== undefined)('the services under dependency faults', () => {
  let pg: PrivatePostgres;
  let nats: PrivateNats;
  let stack: StackProcess;
  let db: Database;
  let ledger: Ledger;
  let env: Record<string, string>;
  let customerId: string;
  let receiver: WebhookReceiver;
  /** The orders whose order.placed reached the partner's endpoint (the CloudEvent's `data.id`). */
  const delivered = new Set<string>();

  beforeAll(async () => {
    receiver = await startReceiver((hook) => {
      const event = JSON.parse(hook.body) as { type?: string; data?: { id?: string } };
      if (event.type === 'order.placed' && event.data?.id) delivered.add(event.data.id);
      return { status: 204 };
    });
    [pg, nats] = await Promise.all([freePort().then(startPrivatePostgres), freePort().then(startPrivateNats)]);
    env = {
      DATABASE_URL: pg.url,
      NATS_URL: nats.url,
      INVENTORY_RESERVATION_TTL_MS: String(RESERVATION_TTL_MS),
      INVENTORY_REAPER_INTERVAL_MS: String(REAPER_INTERVAL_MS),
      // Half the TTL: the reaper's rule needs the commit deadline well below it.
      ORDERS_COMMIT_DEADLINE_MS: String(RESERVATION_TTL_MS / 2),
      SHUTDOWN_GRACE_MS: '2000',
      // The partner's endpoint is on loopback; and retries come within seconds, not minutes.
      WEBHOOKS_ALLOW_PRIVATE_NETWORKS: '1',
      WEBHOOKS_RETRY_SCHEDULE: '0,250ms,500ms,1s,2s,4s,8s,8s,8s,8s',
      // A delivery the SIGKILLed dispatcher had claimed is taken over when its lease ends (60 s by default).
      WEBHOOKS_TIMEOUT: '1s',
      WEBHOOKS_LEASE: '3s',
    };
    stack = await startStackProcess(env);
    db = await createPgDatabase({ url: pg.url, schema: 'public', max: 2 });
    ledger = createLedger(db, nats.url);
    const customer = await fetch(`${stack.urls.customers}/customers`, {
      method: 'POST',
      headers: PARTNER_HEADERS,
      body: JSON.stringify({ given_name: 'Chaos', family_name: 'Monkey', email: 'chaos@example.com' }),
    });
    expect(customer.status).toBe(201);
    customerId = ((await customer.json()) as { id: string }).id;
    const subscription = await fetch(`${stack.urls.webhooks}/webhooks/subscriptions`, {
      method: 'POST',
      headers: PARTNER_HEADERS,
      body: JSON.stringify({ url: receiver.url, event_types: ['order.placed'] }),
    });
    expect(subscription.status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await stack?.kill('SIGTERM');
    await db?.close();
    await Promise.all([pg?.destroy(), nats?.destroy(), receiver?.close()]);
    if (table.length > 0) {
      const cols = Object.keys(table[0]!) as (keyof Row)[];
      const lines = [
        `| ${cols.join(' | ')} |`,
        `| ${cols.map(() => '---').join(' | ')} |`,
        ...table.map((r) => `| ${cols.map((c) => r[c]).join(' | ')} |`),
      ];
      console.log(`\n[chaos] results\n${lines.join('\n')}\n`);
    }
  });

  async function putStock(sku: string): Promise<void> {
    const res = await fetch(`${stack.urls.inventory}/stock/${sku}`, {
      method: 'PUT',
      headers: PARTNER_HEADERS,
      body: JSON.stringify({ available: STOCK }),
    });
    expect(res.status).toBe(200);
  }

  /** Waits until every persisted order's order.placed and order.confirmed are on the stream, then counts. */
  async function accountFor(scenario: string, result: LoadResult, withinMs: number): Promise<Row> {
    const keys = [...result.outcomes.keys()];
    const orders = await ledger.ordersByKey(keys);
    let published = await ledger.published();
    const missing = () =>
      orders.filter((o) => !published.perOrder.has(`order.placed ${o.id}`) || !published.perOrder.has(`order.confirmed ${o.id}`));
    await eventually(
      async () => {
        published = await ledger.published();
        return missing().length === 0 ? true : undefined;
      },
      `the events of ${orders.length} committed orders on JetStream`,
      withinMs,
    );
    const duplicates = orders.reduce(
      (sum, o) => sum + (published.perOrder.get(`order.placed ${o.id}`)! - 1) + (published.perOrder.get(`order.confirmed ${o.id}`)! - 1),
      published.duplicateIds,
    );
    // ... and every one of them delivered to the partner's webhook (at least once; after the SIGKILL
    // the restarted dispatcher first waits out the killed one's leases).
    const undelivered = () => orders.filter((o) => !delivered.has(o.id));
    await eventually(
      async () => (undelivered().length === 0 ? true : undefined),
      `order.placed of ${orders.length} committed orders delivered to the partner's webhook`,
      60_000,
    );
    const outcomes = [...result.outcomes.values()];
    const row: Row = {
      scenario,
      sent: outcomes.length,
      acknowledged: outcomes.filter((o) => o.status === 201).length,
      unavailable503: outcomes.filter((o) => o.status === 503).length,
      persisted: orders.length,
      published: orders.length - missing().length,
      delivered: orders.length - undelivered().length,
      duplicates,
    };
    table.push(row);
    const why = new Map<string, number>();
    for (const o of outcomes.filter((x) => x.status !== 201)) {
      const k = `${o.status} ${o.detail ?? '(no answer)'}`;
      why.set(k, (why.get(k) ?? 0) + 1);
    }
    if (why.size > 0) console.log(`[chaos] ${scenario}: not acknowledged:\n${[...why].map(([k, n]) => `  ${n} x ${k}`).join('\n')}`);
    // Every acknowledged order was written, once; nothing was written twice under one key.
    const persistedKeys = new Set(orders.map((o) => o.key));
    expect(result.acknowledged().filter((k) => !persistedKeys.has(k))).toEqual([]);
    expect(new Set(orders.map((o) => o.key)).size).toBe(orders.length);
    expect(duplicates).toBe(0);
    return row;
  }

  it('survives a PostgreSQL restart mid-load: 503 problem+json during it, orders again within 5 s after, no restart', {
    timeout: 90_000,
  }, async () => {
    await putStock('CHAOS-PG');
    const load = startOrderLoad({ ordersUrl: () => stack.urls.orders, customerId, sku: 'CHAOS-PG', concurrency: 6 });
    await load.acknowledged(30);
    await pg.stop();
    await new Promise((r) => setTimeout(r, PG_OUTAGE_MS));
    await pg.start();
    const back = Date.now();
    // The first order placed after the server is back, by a fresh client.
    const probe = startOrderLoad({ ordersUrl: () => stack.urls.orders, customerId, sku: 'CHAOS-PG', concurrency: 1 });
    await probe.acknowledged(1);
    const recoveredMs = Date.now() - back;
    const probed = await probe.stop();
    // The load's own clients carry on too.
    await load.acknowledged(load.count() + 30);
    const result = await load.stop();
    console.log(`[chaos] PostgreSQL: first order ${recoveredMs} ms after the server was back`);

    expect(stack.exit()).toBeNull();
    expect(stack.output.join('')).not.toContain("Unhandled 'error' event");
    expect(recoveredMs).toBeLessThan(5000);
    const outcomes = [...result.outcomes.values(), ...probed.outcomes.values()];
    const failed = outcomes.filter((o) => o.status !== 201);
    expect(failed.length).toBeGreaterThan(0);
    for (const o of failed) {
      expect(o).toMatchObject({ status: 503, problemType: 'https://concord.dev/problems/dependency-unavailable' });
      expect(o.contentType).toMatch(/^application\/problem\+json/);
    }
    for (const [key, outcome] of probed.outcomes) result.outcomes.set(key, outcome);
    await accountFor('PostgreSQL stopped 3 s mid-load', result, 10_000);
  });

  it(`publishes every committed order's events exactly once within 10 s of a ${NATS_OUTAGE_MS / 1000} s NATS outage, unready during it`, {
    timeout: 180_000,
  }, async () => {
    await putStock('CHAOS-NATS');
    const load = startOrderLoad({
      ordersUrl: () => stack.urls.orders,
      customerId,
      sku: 'CHAOS-NATS',
      concurrency: 2,
      // About 10 orders a second however fast the machine (some 600 orders over the 60 s outage): the
      // 10 s catch-up bound is for a busy shop's backlog, and the relay publishes one event at a time,
      // which under a loaded CI run did not drain the ~2,100 events of 20 orders a second in 10 s.
      pauseMs: 200,
    });
    await load.acknowledged(20);
    const logBefore = stack.output.join('').split('\n').length;
    await nats.stop();
    const readiness: { status: number; bus?: string; backlog?: number }[] = [];
    const outageEnds = Date.now() + NATS_OUTAGE_MS;
    while (Date.now() < outageEnds) {
      const res = await fetch(`${stack.urls.orders}/readyz`);
      const body = (await res.json()) as { checks?: { bus?: { status: string } }; outbox?: { backlog: number } };
      readiness.push({
        status: res.status,
        ...(body.checks?.bus ? { bus: body.checks.bus.status } : {}),
        ...(body.outbox ? { backlog: body.outbox.backlog } : {}),
      });
      await new Promise((r) => setTimeout(r, 500));
    }
    // The backlog and the failed publishes are on /metrics while the bus is away.
    const metrics = await (await fetch(`${stack.urls.orders}/metrics`)).text();
    await nats.start();
    const result = await load.stop();
    const outageLog = stack.output.join('').split('\n').slice(logBefore);
    console.log(`[chaos] NATS: ${outageLog.length} log lines during the outage and recovery`);

    expect(stack.exit()).toBeNull();
    // Once the first probes are past the ping timeout, the service says it is not ready.
    expect(readiness.some((r) => r.status === 503 && r.bus === 'down')).toBe(true);
    expect(readiness.every((r) => r.status === 200 || r.status === 503)).toBe(true);
    expect(Math.max(...readiness.map((r) => r.backlog ?? 0))).toBeGreaterThan(0);
    expect(Number(/^concord_outbox_backlog\{service="orders"\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(Number(/^concord_outbox_publish_failures_total\{service="orders"\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/^concord_bus_connected\{service="orders"\} 0$/m);
    // Orders kept being taken: the bus is not on the request path.
    expect(result.acknowledged().length).toBeGreaterThan(20);
    expect(outageLog.filter((l) => l.includes('ClosedConnectionError'))).toEqual([]);
    await accountFor(`NATS down ${NATS_OUTAGE_MS / 1000} s mid-load`, result, 10_000);
    await eventually(async () => ((await fetch(`${stack.urls.orders}/readyz`)).status === 200 ? true : undefined), 'ready again');
    // Consumers resumed too: inventory releases a cancelled order's stock, and reports its consumer's lag.
    const [order] = await ledger.ordersByKey(result.acknowledged().slice(0, 1));
    expect((await fetch(`${stack.urls.orders}/orders/${order!.id}/cancel`, { method: 'POST', headers: PARTNER_HEADERS })).status).toBe(200);
    await eventually(
      async () => ((await ledger.reservationsOf([order!.id]))[0]?.status === 'released' ? true : undefined),
      'the order.cancelled consumer to release the stock',
    );
    const inventoryMetrics = await (await fetch(`${stack.urls.inventory}/metrics`)).text();
    expect(inventoryMetrics).toMatch(
      /^concord_bus_consumer_pending_messages\{service="inventory",consumer="inventory-concord_order_cancelled"\} \d+$/m,
    );
  });

  it('releases every reservation left without an order by SIGKILL within TTL + interval, stock back to its exact value', {
    timeout: 120_000,
  }, async () => {
    await putStock('CHAOS-KILL');
    const load = startOrderLoad({ ordersUrl: () => stack.urls.orders, customerId, sku: 'CHAOS-KILL', concurrency: 12 });
    await load.acknowledged(40);
    // Where the kill lands is luck; these are certain: stock reserved for orders that orders will
    // never write, exactly what an orders replica killed between its reservation and its write leaves.
    const stranded = Array.from({ length: 5 }, (_, i) => `ord_chaosKILL${i}${Date.now()}`);
    for (const orderId of stranded) {
      const res = await fetch(`${stack.urls.inventory}/reservations`, {
        method: 'POST',
        headers: PARTNER_HEADERS,
        body: JSON.stringify({ order_id: orderId, lines: [{ sku: 'CHAOS-KILL', quantity: 1 }] }),
      });
      expect(res.status).toBe(201);
    }
    await stack.kill('SIGKILL');
    const result = await load.stop();
    const orphansAtKill = await ledger.orphans('CHAOS-KILL');
    expect(orphansAtKill.filter((r) => r.status === 'reserved').length).toBeGreaterThanOrEqual(stranded.length);
    stack = await startStackProcess(env);
    const restarted = Date.now();
    await eventually(
      async () => ((await ledger.orphans('CHAOS-KILL')).every((r) => r.status === 'released') ? true : undefined),
      'every orphaned reservation to be released',
      RESERVATION_TTL_MS + REAPER_INTERVAL_MS + 15_000,
    );
    const releasedMs = Date.now() - restarted;
    console.log(
      `[chaos] SIGKILL: ${orphansAtKill.filter((r) => r.status === 'reserved').length - stranded.length} reservation(s) without an order left by the kill (plus ${stranded.length} stranded on purpose), all released ${releasedMs} ms after the restart (bound: TTL ${RESERVATION_TTL_MS} ms + interval ${REAPER_INTERVAL_MS} ms after the reservation or the restart, whichever is later)`,
    );

    const orders = await ledger.ordersByKey([...result.outcomes.keys()]);
    const committed = orders.filter((o) => o.status === 'confirmed');
    // Stock is exact: only committed orders hold units; every committed order still holds its reservation.
    expect(await ledger.stock('CHAOS-KILL')).toEqual({ available: STOCK - committed.length, reserved: committed.length });
    const held = await ledger.reservationsOf(committed.map((o) => o.id));
    expect(held.filter((r) => r.status !== 'reserved')).toEqual([]);
    expect(held.length).toBe(committed.length);
    expect(releasedMs).toBeLessThanOrEqual(RESERVATION_TTL_MS + 2 * REAPER_INTERVAL_MS + 5000);
    await accountFor('services SIGKILLed mid-load', result, 10_000);
  });
});
