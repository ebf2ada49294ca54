import { Hono } from 'hono';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { idempotencySchema } from '../../config/resilience-schema.ts';
import { createGatewayFactory, type GatewayEnv } from '../../env.ts';
import { GatewayError } from '../../errors.ts';
import { gatewayMetrics } from '../../observability/metrics.ts';
import type { CompiledRoute } from '../../route-variables.ts';
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
    scopes: [],
    public: false,
    ...overrides,
  } as unknown as CompiledRoute;
}

/** A tiny pipeline: route + principal set by hand, then idempotency, then a counting "upstream". */
function app(options: { status?: number; routeOverrides?: Partial<CompiledRoute>; gate?: Promise<void>; store?: IdempotencyStore } = {}) {
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
  app.use(
    idempotency(factory, { config: idempotencySchema.parse({ storeTimeoutMs: 100 }), store, logger: pino({ level: 'silent' }), metrics }),
  );
  app.post('/v1/orders', async (c) => {
    await options.gate;
    created++;
    const body = await c.req.json();
    return c.json({ id: `ord_${created}`, ...body }, (options.status ?? 201) as 201, { location: `/v1/orders/ord_${created}` });
  });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    app.request('/v1/orders', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { post, created: () => created, metrics };
}

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
});
