import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningGateway } from '@concord/gateway/src/main.ts';
import type { LiveMap } from '@concord/gateway/src/map/live-map.ts';
import { eventually } from '@concord/service-runtime/src/testing/test-backends.ts';
import { type RunningServices, startServices } from '@concord/service-stack/src/start-services.ts';
import { startReceiver, type WebhookReceiver } from '@concord/service-webhooks/src/testing/receiver.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateNats, startPrivateNats } from '../chaos/support/private-nats.ts';
import { freePort } from '../support/free-port.ts';
import { startLocalGateway, writeGatewayConfig } from '../support/local-gateway.ts';

/**
 * The live integration map end to end: the four system APIs on a private NATS (which this test
 * stops), the gateway in front of them, a partner's webhook endpoint (which this test stops), and
 * /map on the gateway's admin listener read as an operator would.
 */
const natsMissing = (() => {
  try {
    execFileSync('nats-server', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'no nats-server on the PATH';
  }
})();
if (natsMissing) {
  if (process.env.CONCORD_REQUIRE_SERVICES === '1') throw new Error(`live map suite cannot run: ${natsMissing}`);
  console.warn(`\n*** SKIPPING the live map suite: ${natsMissing} ***\n`);
}

const DEMO = { id: 'demo-partner', secret: 'concord-demo-secret-do-not-use-in-production' };
const WEBHOOK_EDGE = 'event:customer.created -> webhooks:demo-partner';
const PUBLISH_EDGE = 'system:customers -> event:customer.created';

describe.skipIf(natsMissing !== undefined)('the live integration map on the admin listener', () => {
  let nats: PrivateNats;
  let services: RunningServices;
  let gateway: RunningGateway;
  let receiver: WebhookReceiver;
  let receiverPort: number;
  let dir: string;
  let token: string;
  let subscriptionId: string;
  const started = new Date();

  const call = async (method: string, path: string, body?: unknown) =>
    fetch(gateway.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  let customers = 0;
  const createCustomer = async () => {
    customers++;
    const res = await call('POST', '/v2/customers', {
      given_name: 'Map',
      family_name: `Reader ${customers}`,
      email: `map.${customers}.${Date.now()}@example.com`,
    });
    expect(res.status).toBe(201);
  };
  const readMap = async (): Promise<LiveMap> => {
    const res = await fetch(`${gateway.adminUrl}/map`);
    expect(res.status).toBe(200);
    return (await res.json()) as LiveMap;
  };
  const edgeOf = (map: LiveMap, id: string) => {
    const edge = map.edges.find((e) => e.id === id);
    if (!edge) throw new Error(`no edge ${id} in ${map.edges.map((e) => e.id).join(', ')}`);
    return edge;
  };
  /** Reads /map until `check` holds for it, then returns that map. */
  const mapWhere = async (what: string, check: (map: LiveMap) => boolean, timeoutMs = 60_000) => {
    let last: LiveMap | undefined;
    try {
      return await eventually(
        async () => {
          last = await readMap();
          return check(last) ? last : undefined;
        },
        what,
        timeoutMs,
      );
    } catch (err) {
      // Say what the map showed instead: the edges that were not green, and why.
      const unwell = last?.edges
        .filter((e) => e.health.status !== 'green' && e.kind !== 'pact')
        .map((e) => `${e.id}: ${e.health.status} ${e.health.reasons.join('; ')}`);
      throw new Error(`${(err as Error).message}; the map showed:\n${unwell?.join('\n')}\nsources: ${JSON.stringify(last?.sources)}`);
    }
  };

  beforeAll(async () => {
    // Three quick attempts, then the dead-letter queue: the DLQ reason within a second or two.
    process.env.WEBHOOKS_RETRY_SCHEDULE = '0,100ms,200ms';
    process.env.WEBHOOKS_TIMEOUT = '1s';
    process.env.WEBHOOKS_POLL_INTERVAL = '100ms';
    receiverPort = await freePort();
    receiver = await startReceiver(() => ({ status: 204 }), receiverPort);
    nats = await startPrivateNats(await freePort());
    services = await startServices({ dataDir: 'memory://', natsUrl: nats.url, allowPrivateNetworks: true, relayPollIntervalMs: 100 });
    dir = await mkdtemp(join(tmpdir(), 'concord-map-'));
    const config = join(dir, 'gateway.config.yaml');
    await writeGatewayConfig(config, (doc) => {
      doc.setIn(
        ['observability', 'map'],
        doc.createNode({
          sampleIntervalSeconds: 1,
          scrapeCacheMs: 0,
          scrapeTimeoutMs: 10_000,
          // Any unpublished event is red here, so a NATS outage shows at once; latency is not what
          // this test is about (a loaded CI machine must not turn edges amber).
          thresholds: { outboxBacklog: { red: 0 }, p99Seconds: { amber: 60, red: 120 } },
        }),
      );
    });
    gateway = await startLocalGateway(config, services.urls);
    const tokenResponse = await fetch(`${gateway.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${DEMO.id}:${DEMO.secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    token = ((await tokenResponse.json()) as { access_token: string }).access_token;
    const subscription = await call('POST', '/v1/webhooks/subscriptions', { url: receiver.url, event_types: ['customer.created'] });
    expect(subscription.status).toBe(201);
    subscriptionId = ((await subscription.json()) as { id: string }).id;
    // An operator opens the map: from then on the gateway samples the services' metrics too.
    await readMap();
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    await services?.close();
    await Promise.all([nats?.destroy(), receiver?.close()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('shows the traffic through the gateway as rates, and every edge green', async () => {
    for (let i = 0; i < 3; i++) await createCustomer();
    for (let i = 0; i < 5; i++) expect((await call('GET', '/v2/customers?limit=5')).status).toBe(200);
    expect((await call('GET', '/v1/customers?limit=5')).status).toBe(200);
    await receiver.waitFor(() => receiver.accepted.size >= 3, 30_000, 'three customer.created webhooks');

    const map = await mapWhere('rates on the partner edges and a delivered webhook', (m) => {
      const v2 = edgeOf(m, 'partner:demo-partner -> api:customers.v2').health.metrics;
      const webhook = m.edges.find((e) => e.id === WEBHOOK_EDGE);
      return (v2.requestRate ?? 0) > 0 && webhook?.health.metrics.lastSuccess != null;
    });
    const v2 = edgeOf(map, 'partner:demo-partner -> api:customers.v2');
    expect(v2.health.status).toBe('green');
    expect(v2.health.metrics).toMatchObject({ errorRatePercent: { '4xx': 0, '5xx': 0 } });
    expect(v2.health.metrics.p99Seconds).toBeGreaterThan(0);
    expect(v2.health.metrics.lastSuccess).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(v2.contract).toBe('customers.v2@2.0.0');
    const v1 = edgeOf(map, 'api:customers.v1 -> system:customers');
    expect(v1).toMatchObject({ adapter: 'customers-v1-from-v2', health: { status: 'green', metrics: { circuit: 'closed' } } });
    expect(v1.health.metrics.requestRate).toBeGreaterThan(0);
    // The partner's subscriptions, counted per event type (never their URLs).
    expect(map.nodes.find((n) => n.id === 'webhooks:demo-partner')?.subscriptions).toEqual({ 'customer.created': 1 });
    expect(JSON.stringify(map)).not.toContain(receiver.url);
    expect(edgeOf(map, WEBHOOK_EDGE).health).toMatchObject({ status: 'green', metrics: { deadLetterDepth: 0 } });
    expect(edgeOf(map, PUBLISH_EDGE).health).toMatchObject({ status: 'green', metrics: { outboxBacklog: 0, busConnected: true } });
    expect(map.sources).toMatchObject({ gateway: { ok: true }, customers: { ok: true }, webhooks: { ok: true } });
    expect(map.summary.red).toBe(0);
    expect(map.summary.amber).toBe(0);
  });

  it('turns the webhook edge red with the DLQ reason when the receiver stops', async () => {
    await receiver.close();
    await createCustomer();
    const map = await mapWhere('the webhook edge red', (m) => edgeOf(m, WEBHOOK_EDGE).health.status === 'red');
    expect(edgeOf(map, WEBHOOK_EDGE).health.reasons).toContain('DLQ depth 1 > 0');
    expect(edgeOf(map, 'event:customer.created -> webhooks').health.reasons).toContain('DLQ depth 1 > 0');
    // Nothing else broke.
    expect(edgeOf(map, PUBLISH_EDGE).health.status).toBe('green');
  });

  it('turns the event edges red with the outbox-backlog reason when NATS stops', async () => {
    await nats.stop();
    await createCustomer();
    const map = await mapWhere('the publish edges red', (m) =>
      edgeOf(m, PUBLISH_EDGE).health.reasons.some((r) => /^outbox backlog \d+ > 0$/.test(r)),
    );
    expect(edgeOf(map, PUBLISH_EDGE).health.status).toBe('red');
    // Every service has lost the bus: every publishing and consuming edge is red and says so.
    for (const edge of map.edges.filter((e) => e.kind === 'publishes')) {
      expect(edge.health.status, edge.id).toBe('red');
      expect(edge.health.reasons.join('; '), edge.id).toMatch(/not connected to the event bus/);
    }
    expect(edgeOf(map, 'event:order.cancelled -> system:inventory').health.status).toBe('red');
  });

  it('turns them green again once NATS and the receiver are back and the DLQ is replayed', async () => {
    await nats.start();
    receiver = await startReceiver(() => ({ status: 204 }), receiverPort);
    const replay = await call('POST', `/v1/webhooks/subscriptions/${subscriptionId}/replay`, { since: started.toISOString() });
    expect(replay.status).toBe(202);
    const map = await mapWhere('every edge green again', (m) => m.summary.red === 0 && m.summary.amber === 0, 90_000);
    expect(edgeOf(map, PUBLISH_EDGE).health).toMatchObject({ status: 'green', metrics: { outboxBacklog: 0, busConnected: true } });
    expect(edgeOf(map, WEBHOOK_EDGE).health).toMatchObject({ status: 'green', metrics: { deadLetterDepth: 0 } });
    expect(receiver.accepted.size).toBeGreaterThanOrEqual(2);
  });
});
