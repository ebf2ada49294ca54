import { afterEach, describe, expect, it } from 'vitest';
import { type BuiltGateway, buildGateway } from '../app.ts';
import type { GatewayDeps } from '../deps.ts';
import { ADA } from '../testing/fake-customers-v2.ts';
import { type FakeUpstream, sendJson, startFakeUpstream } from '../testing/fake-upstream.ts';
import { type Listening, listen } from '../testing/listen.ts';
import { configFrom, customersConfig, testDeps } from '../testing/test-gateway.ts';

/**
 * The breaker's recovery probe over real sockets: an upstream that fails (its API and its health
 * path answer 503), then recovers, behind a gateway whose breaker would stay open for 60 s.
 */
const OPEN_MS = 60_000;
const PROBE_MS = 50;

interface Upstream extends FakeUpstream {
  recover(): void;
  probes(): number;
}

async function flakyUpstream(): Promise<Upstream> {
  let probes = 0;
  const state = { healthy: false };
  const fake = await startFakeUpstream((req, res) => {
    if (req.url === '/healthz') probes++;
    if (!state.healthy) return sendJson(res, 503, { title: 'down' });
    return req.url === '/healthz' ? sendJson(res, 200, { status: 'ok' }) : sendJson(res, 200, ADA);
  });
  return Object.assign(fake, {
    recover: () => {
      state.healthy = true;
    },
    probes: () => probes,
  });
}

const open: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function gatewayFor(
  upstream: { url: string },
  healthPath: string | undefined,
  deps: GatewayDeps = testDeps(),
): Promise<{ built: BuiltGateway; server: Listening }> {
  const built = buildGateway(
    configFrom(
      customersConfig(upstream.url, {
        security: { rateLimit: { perIp: { points: 1_000_000, windowSeconds: 60 } } },
        resilience: {
          defaults: { retry: { maxAttempts: 1 }, circuitBreaker: { minimumCalls: 3, openMs: OPEN_MS, probeIntervalMs: PROBE_MS } },
          ...(healthPath ? { upstreams: { customers: { healthPath } } } : {}),
        },
      }),
    ),
    deps,
  );
  const server = await listen(built.app);
  open.push({ close: () => built.close() }, server);
  return { built, server };
}

async function get(server: Listening): Promise<{ status: number; code?: string }> {
  const res = await fetch(`${server.url}/v2/customers/cus_4f9a2b7c1d8e`);
  const body = (await res.json()) as { code?: string };
  return { status: res.status, ...(body.code ? { code: body.code } : {}) };
}

async function openBreaker(server: Listening): Promise<void> {
  for (let i = 0; i < 3; i++) expect((await get(server)).status).toBe(503);
  expect(await get(server)).toEqual({ status: 503, code: 'CIRCUIT_OPEN' });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, withinMs = 10_000): Promise<void> {
  const end = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${withinMs} ms`);
    await pause(20);
  }
}

describe('the circuit breaker probes the health path while open', { timeout: 30_000 }, () => {
  it('lets requests through again soon after the upstream recovers, far within the 60 s cool-down, then stops probing', async () => {
    const upstream = await flakyUpstream();
    open.push(upstream);
    const { built, server } = await gatewayFor(upstream, '/healthz');
    await openBreaker(server);
    // Probing while it is down: the cool-down alone would keep the breaker open.
    await until('probes while down', () => upstream.probes() >= 3);
    expect((await get(server)).code).toBe('CIRCUIT_OPEN');

    upstream.recover();
    // Bounded far below OPEN_MS: the first passing probe lets the next request through as a trial.
    await until('a request answered by the recovered upstream', async () => (await get(server)).status === 200);
    expect(built.config.resilience.defaults?.circuitBreaker?.openMs).toBe(OPEN_MS);
    expect((await get(server)).status).toBe(200);

    // Closed: no more probes.
    const probes = upstream.probes();
    await pause(PROBE_MS * 20);
    expect(upstream.probes()).toBe(probes);
  });

  it('stops probing when the gateway closes, the breaker still open', async () => {
    const upstream = await flakyUpstream();
    open.push(upstream);
    const { built, server } = await gatewayFor(upstream, '/healthz');
    await openBreaker(server);
    await until('probes while down', () => upstream.probes() >= 2);
    await server.close();
    await built.close();
    await pause(PROBE_MS * 2);
    const probes = upstream.probes();
    await pause(PROBE_MS * 20);
    expect(upstream.probes()).toBe(probes);
  });

  it('does not probe without a health path: the cool-down alone reopens the way', async () => {
    const upstream = await flakyUpstream();
    open.push(upstream);
    const { server } = await gatewayFor(upstream, undefined);
    await openBreaker(server);
    upstream.recover();
    await pause(PROBE_MS * 20);
    expect(upstream.probes()).toBe(0);
    expect((await get(server)).code).toBe('CIRCUIT_OPEN');
  });
});

describe('an open circuit breaker across a config reload', { timeout: 30_000 }, () => {
  // A reload builds a new gateway on the same deps (main.ts); these builds share theirs the same way.
  it('stays open in the new build, with its recovery probe, instead of sending traffic back to an upstream that is down', async () => {
    const upstream = await flakyUpstream();
    open.push(upstream);
    const deps = testDeps();
    const before = await gatewayFor(upstream, '/healthz', deps);
    await openBreaker(before.server);
    await before.server.close();
    await before.built.close();

    const after = await gatewayFor(upstream, '/healthz', deps);
    const probesBefore = upstream.probes();
    expect(await get(after.server)).toEqual({ status: 503, code: 'CIRCUIT_OPEN' });
    // Operators see it open too: the new build does not report its breakers closed.
    const gauge = await deps.metrics.getSingleMetric('concord_circuit_breaker_state')!.get();
    expect(gauge.values.find((v) => v.labels.upstream === 'customers' && v.labels.state === 'open')?.value).toBe(1);
    // The new build probes the health path, as the old one did, and lets traffic through once it passes.
    await until('the new build probes', () => upstream.probes() > probesBefore);
    upstream.recover();
    await until('a request answered by the recovered upstream', async () => (await get(after.server)).status === 200);
  });

  it('starts closed for an upstream the reload points elsewhere', async () => {
    const down = await flakyUpstream();
    const other = await flakyUpstream();
    other.recover();
    open.push(down, other);
    const deps = testDeps();
    const before = await gatewayFor(down, undefined, deps);
    await openBreaker(before.server);
    await before.server.close();
    await before.built.close();

    const moved = await gatewayFor(other, undefined, deps);
    expect(await get(moved.server)).toEqual({ status: 200 });
  });

  it('is not shared between gateways on different deps (each process, or test, has its own)', async () => {
    const upstream = await flakyUpstream();
    open.push(upstream);
    const first = await gatewayFor(upstream, undefined, testDeps());
    await openBreaker(first.server);
    const second = await gatewayFor(upstream, undefined, testDeps());
    // The upstream's own failure, not a breaker the other gateway opened.
    expect((await get(second.server)).code).not.toBe('CIRCUIT_OPEN');
  });
});
