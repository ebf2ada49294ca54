import { Hono } from 'hono';
import { Redis } from 'ioredis';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@concord/service-runtime/src/testing/test-backends.ts';
import { idempotencySchema } from '../../config/resilience-schema.ts';
import { createGatewayFactory, type GatewayEnv } from '../../env.ts';
import { GatewayError } from '../../errors.ts';
import { gatewayMetrics } from '../../observability/metrics.ts';
import type { CompiledRoute } from '../../route-variables.ts';
import { type Listening, listen } from '../../testing/listen.ts';
import { idempotency } from './idempotency.ts';
import type { BeginResult, IdempotencyStore } from './idempotency-store.ts';
import { createMemoryIdempotencyStore } from './memory-store.ts';
import { createRedisIdempotencyStore } from './redis-store.ts';
import { redisServerInstalled, startPrivateRedis, type PrivateRedis } from '../../testing/private-redis.ts';

const redisInstalled = await redisServerInstalled();
if (!redisInstalled) console.warn('\n*** SKIPPING the idempotency Redis outage test: redis-server is not installed ***\n');

const keyParam = { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } };

function route(overrides: Partial<CompiledRoute> = {}): CompiledRoute {
  return {
    contract: 'orders.v1',
    api: 'orders',
    version: 'v1',
    operationId: 'createOrder',
    method: 'post',
    pathTemplate: '/orders',
    publicPathTemplate: '/v1/orders',
    upstream: 'orders',
    operation: { parameters: [keyParam] },
    policies: {
      validation: { request: 'enforce', response: 'report', maxValidatedBytes: 1024 * 1024 },
      timeoutMs: undefined,
      bodyLimitBytes: 1024 * 1024,
      public: false,
    },
    scopes: [],
    public: false,
    ...overrides,
  } as unknown as CompiledRoute;
}

/**
 * A tiny pipeline served on a real socket: route + principal set by hand, then idempotency, then a
 * counting "upstream". No readBody is passed: the policy reads the body with the pipeline's own
 * reader (readRequestBody, from Node's request here), and the handler takes the same bytes from it.
 */
function app(
  options: {
    status?: number;
    routeOverrides?: Partial<CompiledRoute>;
    gate?: Promise<void>;
    store?: IdempotencyStore;
    maxResponseBytes?: number;
    /** Answers instead of the JSON echo (a streamed body, say). */
    respond?: () => Response;
    onStoreDown?: 'fail-open' | 'fail-closed';
  } = {},
) {
  const factory = createGatewayFactory();
  const metrics = gatewayMetrics(new Registry());
  const store = options.store ?? createMemoryIdempotencyStore(Date.now);
  let created = 0;
  const app = new Hono<GatewayEnv>();
  app.onError((err, c) => {
    if (err instanceof GatewayError) return c.json({ code: err.code }, err.status as 409, err.headers);
    return c.json({ code: 'INTERNAL' }, 500);
  });
  app.use(async (c, next) => {
    c.set('route', route(options.routeOverrides));
    const partner = c.req.header('x-test-partner');
    c.set('principal', partner ? { clientId: partner, scopes: new Set<string>() } : undefined);
    await next();
  });
  const config = idempotencySchema.parse({
    storeTimeoutMs: 100,
    ...(options.maxResponseBytes ? { maxResponseBytes: options.maxResponseBytes } : {}),
    ...(options.onStoreDown ? { onStoreDown: options.onStoreDown } : {}),
  });
  // The policy's log lines, parsed, to count them.
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  app.use(idempotency(factory, { config, store, logger, metrics }));
  app.post('/v1/orders', async (c) => {
    await options.gate;
    created++;
    if (options.respond) return options.respond();
    const bytes = c.get('requestBody');
    const body = bytes ? JSON.parse(Buffer.from(bytes).toString('utf8')) : {};
    return c.json({ id: `ord_${created}`, ...body }, (options.status ?? 201) as 201, { location: `/v1/orders/ord_${created}` });
  });
  const served = listen(app);
  servers.push(served);
  const post = async (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${(await served).url}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  return { post, created: () => created, metrics, logs };
}

const servers: Promise<Listening>[] = [];
afterAll(async () => {
  for (const served of servers.splice(0)) await (await served).close();
});

describe('idempotency policy', () => {
  it('replays the first response for the same key and payload, marked as replayed', async () => {
    const t = app();
    const first = await t.post({ sku: 'a' }, { 'idempotency-key': 'k1' });
    const second = await t.post({ sku: 'a' }, { 'idempotency-key': 'k1' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(await second.json()).toEqual(await first.json());
    expect(second.headers.get('location')).toBe('/v1/orders/ord_1');
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(t.created()).toBe(1);
    expect((await t.metrics.idempotentReplays.get()).values[0]?.value).toBe(1);
  });

  it('answers 422 to the same key with a different payload', async () => {
    const t = app();
    await t.post({ sku: 'a' }, { 'idempotency-key': 'k1' });
    const res = await t.post({ sku: 'b' }, { 'idempotency-key': 'k1' });
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ code: 'IDEMPOTENCY_MISMATCH' });
    expect(t.created()).toBe(1);
  });

  it('answers 409 to a duplicate while the first is in flight', async () => {
    let open!: () => void;
    const t = app({ gate: new Promise<void>((r) => (open = r)) });
    const first = t.post({ sku: 'a' }, { 'idempotency-key': 'k1' });
    await new Promise((r) => setTimeout(r, 10));
    const second = await t.post({ sku: 'a' }, { 'idempotency-key': 'k1' });
    expect(second.status).toBe(409);
    expect(second.headers.get('retry-after')).toBe('1');
    open();
    expect((await first).status).toBe(201);
  });

  it('scopes keys per partner', async () => {
    const t = app();
    await t.post({ sku: 'a' }, { 'idempotency-key': 'k1', 'x-test-partner': 'acme' });
    const other = await t.post({ sku: 'b' }, { 'idempotency-key': 'k1', 'x-test-partner': 'globex' });
    expect(other.status).toBe(201);
    expect(t.created()).toBe(2);
  });

  it('does not store a server error: the key is released and a retry runs for real', async () => {
    const t = app({ status: 503 });
    await t.post({ sku: 'a' }, { 'idempotency-key': 'k1' });
    await t.post({ sku: 'a' }, { 'idempotency-key': 'k1' });
    expect(t.created()).toBe(2);
  });

  it('passes through requests without a key, and operations that do not declare the header', async () => {
    const t = app();
    await t.post({ sku: 'a' });
    await t.post({ sku: 'a' });
    expect(t.created()).toBe(2);
    const u = app({ routeOverrides: { operation: { parameters: [] } } as unknown as Partial<CompiledRoute> });
    await u.post({ sku: 'a' }, { 'idempotency-key': 'k1' });
    await u.post({ sku: 'a' }, { 'idempotency-key': 'k1' });
    expect(u.created()).toBe(2);
  });

  it('refuses a malformed key with 400 and accepts an sf-string', async () => {
    const t = app();
    expect((await t.post({}, { 'idempotency-key': 'has space' })).status).toBe(400);
    await t.post({ sku: 'a' }, { 'idempotency-key': '"k2"' });
    const again = await t.post({ sku: 'a' }, { 'idempotency-key': 'k2' });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('fails closed by default: 503 with Retry-After when the store is down or hangs, without running the request', async () => {
    const down: IdempotencyStore = {
      kind: 'redis',
      begin: () => Promise.reject(new Error('ECONNREFUSED')),
      complete: async () => {},
      release: async () => {},
    };
    const hangs: IdempotencyStore = { ...down, begin: () => new Promise(() => {}) };
    for (const store of [down, hangs]) {
      const t = app({ store });
      const res = await t.post({ sku: 'a' }, { 'idempotency-key': 'k1' });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toEqual({ code: 'DEPENDENCY_UNAVAILABLE' });
      expect(t.created()).toBe(0);
      expect(await t.metrics.idempotencyStoreFailures.get()).toMatchObject({
        values: [{ labels: { behaviour: 'fail-closed' }, value: 1 }],
      });
    }
  });

  it('fails open when configured: runs the request without the record, counts every failure, logs once per state change', async () => {
    const memory = createMemoryIdempotencyStore(Date.now);
    let down = true;
    const flaky: IdempotencyStore = {
      ...memory,
      begin: (...args) => (down ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')) : memory.begin(...args)),
    };
    const t = app({ store: flaky, onStoreDown: 'fail-open' });
    // The gateway cannot tell a repeat from a first: both reach the upstream with their key, whose own
    // Idempotency-Key handling (orders has one) is what keeps the work from being done twice.
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await t.post({ sku: 'a' }, { 'idempotency-key': 'k1' })).status);
    expect(statuses).toEqual([201, 201, 201, 201, 201]);
    expect(t.created()).toBe(5);
    down = false;
    const first = await t.post({ sku: 'a' }, { 'idempotency-key': 'k2' });
    const replayed = await t.post({ sku: 'a' }, { 'idempotency-key': 'k2' });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(await replayed.json()).toEqual(await first.json());

    expect(await t.metrics.idempotencyStoreFailures.get()).toMatchObject({ values: [{ labels: { behaviour: 'fail-open' }, value: 5 }] });
    const outcomes = (await t.metrics.idempotencyOutcomes.get()).values.map((v) => [v.labels.outcome, v.value]);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        ['bypassed', 5],
        ['stored', 1],
        ['replayed', 1],
      ]),
    );
    const lines = t.logs.filter((l) => l.component === 'idempotency');
    expect(lines).toMatchObject([
      { level: 40, state: 'down', behaviour: 'fail-open', error: 'connect ECONNREFUSED 127.0.0.1:6379' },
      { level: 30, state: 'up' },
    ]);
  });

  it('counts a store slower than storeTimeoutMs as down, and frees a key the late call took', async () => {
    for (const onStoreDown of ['fail-open', 'fail-closed'] as const) {
      const memory = createMemoryIdempotencyStore(Date.now);
      let slow = true;
      let landed!: () => void;
      const late = new Promise<void>((resolve) => (landed = resolve));
      const store: IdempotencyStore = {
        ...memory,
        // The first begin answers only after the policy's deadline (100 ms), having taken the key.
        begin: (...args) => {
          if (!slow) return memory.begin(...args);
          slow = false;
          return new Promise<BeginResult>((resolve) => setTimeout(() => resolve(memory.begin(...args)), 300)).finally(() =>
            setImmediate(landed),
          );
        },
      };
      const t = app({ store, onStoreDown });
      const res = await t.post({ sku: 'a' }, { 'idempotency-key': 'k1' });
      expect(res.status).toBe(onStoreDown === 'fail-open' ? 201 : 503);
      await late;
      // The late lock was released: the retry runs (and is recorded) instead of a 409 for inFlightTtlSeconds.
      const retry = await t.post({ sku: 'a' }, { 'idempotency-key': 'k1' });
      expect(retry.status).toBe(201);
      expect(t.created()).toBe(onStoreDown === 'fail-open' ? 2 : 1);
      expect((await t.post({ sku: 'a' }, { 'idempotency-key': 'k1' })).headers.get('idempotent-replayed')).toBe('true');
    }
  });

  it('still returns the response when storing it fails: the work is done', async () => {
    const memory = createMemoryIdempotencyStore(Date.now);
    const t = app({ store: { ...memory, complete: () => Promise.reject(new Error('connection lost')) } });
    const res = await t.post({ sku: 'a' }, { 'idempotency-key': 'k1' });
    expect(res.status).toBe(201);
    expect(t.created()).toBe(1);
    // the key stays locked until its in-flight TTL: a duplicate is refused, not run twice
    expect((await t.post({ sku: 'a' }, { 'idempotency-key': 'k1' })).status).toBe(409);
  });

  it('does not store a response declared larger than maxResponseBytes, and sends it whole', async () => {
    const t = app({ maxResponseBytes: 64 });
    const pad = 'p'.repeat(200);
    const first = await t.post({ pad }, { 'idempotency-key': 'k1' });
    expect(await first.json()).toEqual({ id: 'ord_1', pad });
    const second = await t.post({ pad }, { 'idempotency-key': 'k1' });
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(t.created()).toBe(2);
  });

  it('stops buffering a streamed response once it passes maxResponseBytes: the key is released at once, the client gets every byte', async () => {
    let finish!: () => void;
    const rest = new Promise<void>((resolve) => (finish = resolve));
    const encoder = new TextEncoder();
    const parts = ['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40)];
    const t = app({
      maxResponseBytes: 64,
      respond: () =>
        new Response(
          new ReadableStream<Uint8Array>({
            async start(controller) {
              controller.enqueue(encoder.encode(parts[0]));
              controller.enqueue(encoder.encode(parts[1]));
              // The rest waits until the test has seen the key released: a policy that buffered
              // the whole response before answering would never get there.
              await rest;
              controller.enqueue(encoder.encode(parts[2]));
              controller.close();
            },
          }),
          { status: 201, headers: { 'content-type': 'text/plain' } },
        ),
    });
    const first = await t.post({ sku: 'a' }, { 'idempotency-key': 'k1' });
    expect(first.status).toBe(201);
    // While the first body is still open, the same key runs again for real (released, not 409).
    const again = await t.post({ sku: 'a' }, { 'idempotency-key': 'k1' });
    expect(again.status).toBe(201);
    expect(t.created()).toBe(2);
    finish();
    expect(await first.text()).toBe(parts.join(''));
    expect(await again.text()).toBe(parts.join(''));
  });

  describe.runIf(redisInstalled)('on a Redis that stops and comes back (private redis-server)', () => {
    let server: PrivateRedis;
    let redis: Redis;
    beforeAll(async () => {
      server = await startPrivateRedis();
      redis = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
      redis.on('error', () => {});
    }, 30_000);
    afterAll(async () => {
      redis?.disconnect();
      await server?.stop();
    });

    it('fails open while it is down, and records and replays again once it is back', async () => {
      const store = createRedisIdempotencyStore({ redis, keyPrefix: 'idem-outage:' });
      const t = app({ store, onStoreDown: 'fail-open' });
      expect((await t.post({ sku: 'a' }, { 'idempotency-key': 'before' })).status).toBe(201);
      await server.stop();
      await eventually(() => (redis.status !== 'ready' ? true : undefined), 'the client to notice');
      const during = [];
      for (let i = 0; i < 3; i++) during.push((await t.post({ sku: 'a' }, { 'idempotency-key': 'during' })).status);
      expect(during).toEqual([201, 201, 201]);
      await server.start();
      await eventually(() => (redis.status === 'ready' ? true : undefined), 'the client to reconnect', 20_000);
      await t.post({ sku: 'b' }, { 'idempotency-key': 'after' });
      const replayed = await t.post({ sku: 'b' }, { 'idempotency-key': 'after' });
      expect(replayed.headers.get('idempotent-replayed')).toBe('true');
      expect(t.created()).toBe(5);
      expect(await t.metrics.idempotencyStoreFailures.get()).toMatchObject({ values: [{ labels: { behaviour: 'fail-open' }, value: 3 }] });
      expect(t.logs.filter((l) => l.component === 'idempotency').map((l) => l.state)).toEqual(['down', 'up']);
    }, 60_000);
  });
});
