import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayFactory, type GatewayEnv } from '../env.ts';
import type { GatewayError } from '../errors.ts';
import { healthHandlers } from './health.ts';

let server: Server;
let upUrl: string;
let downUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    res.statusCode = req.url === '/health' ? 200 : 500;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  upUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port that was just free: nothing listens on it.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  downUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise((r) => probe.close(r));
});
afterAll(() => new Promise((r) => server.close(r)));

function app(upstreams: Record<string, { url: string; healthPath?: string }>) {
  const handlers = healthHandlers(createGatewayFactory(), { upstreams, timeoutMs: 500, checkUpstreams: true });
  const app = new Hono<GatewayEnv>();
  app.onError((err, c) =>
    c.json({ code: (err as GatewayError).code, ...(err as GatewayError).extensions }, (err as GatewayError).status as 503),
  );
  app.get('/healthz', handlers.healthz);
  app.get('/readyz', handlers.readyz);
  return app;
}

describe('health endpoints', () => {
  it('/healthz answers 200 without checking anything', async () => {
    const res = await app({ orders: { url: downUrl } }).request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when every upstream answers (TCP connect, or its health path)', async () => {
    const res = await app({ orders: { url: upUrl }, customers: { url: upUrl, healthPath: '/health' } }).request('/readyz');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { checks: Record<string, { status: string }> };
    expect(body.checks['upstream:orders']?.status).toBe('up');
    expect(body.checks['upstream:customers']?.status).toBe('up');
  });

  it('/readyz is 503 DEPENDENCY_UNAVAILABLE naming what is down', async () => {
    const res = await app({
      orders: { url: upUrl },
      inventory: { url: downUrl },
      customers: { url: upUrl, healthPath: '/broken' },
    }).request('/readyz');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { code: string; checks: Record<string, { status: string }> };
    expect(body.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(body.checks['upstream:inventory']?.status).toBe('down');
    expect(body.checks['upstream:customers']?.status).toBe('down');
    expect(body.checks['upstream:orders']?.status).toBe('up');
  });
});
