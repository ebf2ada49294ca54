import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createNatsBus } from '@concord/service-runtime/src/events/nats-bus.ts';
import { ORDER_PLACED_SUBJECT, orderPlacedEvent } from '@concord/service-webhooks/src/testing/events.ts';
import { startReceiver } from '@concord/service-webhooks/src/testing/receiver.ts';
import { natsUrl, openPostgres, postgresUrl, privateStream } from './backends.ts';
import { startChildService, type ChildService } from './child-service.ts';

const EVENTS = 1000;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch((err) => console.error('cleanup failed', err));
});

interface StoreVariant {
  name: string;
  /** Env for the child's store, and how to remove it afterwards. */
  prepare(): Promise<{ env: Record<string, string>; drop(): Promise<void> }>;
}

const pgUrl = postgresUrl;
const stores: StoreVariant[] = [
  ...(pgUrl
    ? [
        {
          name: 'PostgreSQL',
          async prepare() {
            const pg = await openPostgres(pgUrl);
            return { env: { DATABASE_URL: pgUrl, WEBHOOKS_DB_SCHEMA: pg.schema }, drop: () => pg.drop() };
          },
        },
      ]
    : []),
  {
    name: 'the embedded store (PGlite on disk)',
    async prepare() {
      const dir = mkdtempSync(join(tmpdir(), 'concord-webhooks-'));
      return { env: { WEBHOOKS_DATA_DIR: dir, DATABASE_URL: '' }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
];

// The dispatcher and the publisher are separate processes here, so the bus must be one they
// share: NATS JetStream. (The in-process bus lives and dies with its process by design.)
describe.runIf(natsUrl).each(stores)('dispatcher killed with SIGKILL mid-burst, NATS JetStream + $name', (store) => {
  it(`loses none of ${EVENTS} events`, { timeout: 480_000 }, async () => {
    const { env: storeEnv, drop } = await store.prepare();
    cleanups.push(drop);
    const { stream, subjectPrefix } = privateStream();
    const bus = await createNatsBus({ url: natsUrl!, stream, subjectPrefix });
    cleanups.push(async () => {
      await bus.deleteStream().catch(() => {});
      await bus.close();
    });
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());

    const env = {
      ...storeEnv,
      NATS_URL: natsUrl!,
      NATS_STREAM: stream,
      NATS_SUBJECT_PREFIX: subjectPrefix,
      WEBHOOKS_RETRY_SCHEDULE: '0,100ms,200ms,500ms,1s,2s,5s,5s,10s,10s',
      WEBHOOKS_TIMEOUT: '2s',
      WEBHOOKS_LEASE: '3s',
      WEBHOOKS_POLL_INTERVAL: '50ms',
    };
    let child: ChildService = await startChildService(env);
    cleanups.push(() => child.stop());
    const created = await fetch(`${child.url}/webhooks/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-concord-partner': 'partner-crash' },
      body: JSON.stringify({ url: receiver.url, event_types: ['order.placed'] }),
    });
    expect(created.status).toBe(201);

    const ids: string[] = [];
    const publishing = (async () => {
      for (let i = 0; i < EVENTS; i++) {
        const event = orderPlacedEvent({ partner: 'partner-crash' });
        ids.push(event.id);
        await bus.publish(ORDER_PLACED_SUBJECT, event, { msgId: event.id });
      }
    })();

    await receiver.waitFor(() => receiver.accepted.size >= 150, 60_000, 'the first deliveries');
    await child.kill();
    const atKill = receiver.accepted.size;
    await publishing;
    expect(atKill).toBeLessThan(EVENTS);

    child = await startChildService(env);
    await receiver.waitFor(() => ids.every((id) => receiver.accepted.has(id)), 180_000, `all ${EVENTS} ids after the restart`);
    expect(receiver.accepted.size).toBe(EVENTS);
    // Duplicates are allowed (the kill can land between a 2xx and its record), but each carries its event's id.
    for (const hook of receiver.received) expect(JSON.parse(hook.body).id).toBe(hook.headers['webhook-id']);
    console.log(
      `[crash-recovery/${store.name}] accepted ${atKill} before SIGKILL; ${receiver.received.length} requests for ${EVENTS} events after restart`,
    );
  });
});
