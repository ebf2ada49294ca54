import { Hono } from 'hono';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { idempotencySchema } from '../../config/resilience-schema.ts';
import { createGatewayFactory, type GatewayEnv } from '../../env.ts';
import { GatewayError } from '../../errors.ts';
import { gatewayMetrics } from '../../observability/metrics.ts';
import type { CompiledRoute } from '../../route-variables.ts';
import { type Listening, listen } from '../../testing/listen.ts';
import { idempotency } from './idempotency.ts';
import type { IdempotencyStore } from './idempotency-store.ts';
import { createMemoryIdempotencyStore } from './memory-store.ts';

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
  });
  app.use(idempotency(factory, { config, store, logger: pino({ level: 'silent' }), metrics }));
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
  return { post, created: () => created, metrics };
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

  it('answers 503 when the store is down or hangs, without running the request', async () => {
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
      expect(await res.json()).toEqual({ code: 'DEPENDENCY_UNAVAILABLE' });
      expect(t.created()).toBe(0);
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
});
