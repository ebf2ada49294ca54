import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltGateway } from '../app.ts';
import { hashClientSecret } from '../partners/client-secret.ts';
import { issueTestToken } from '../partners/testing/issue-test-token.ts';
import { ADA } from '../testing/fake-customers-v2.ts';
import { type FakeUpstream, sendJson, startFakeUpstream } from '../testing/fake-upstream.ts';
import { type Listening, listen } from '../testing/listen.ts';
import { customersConfig, testGateway } from '../testing/test-gateway.ts';
import type { CallerCounts } from './failure-window.ts';
import { failuresNotConfinedToOnePartner } from './partner-breakers.ts';
import { DEFAULT_CIRCUIT_BREAKER } from './resilience-settings.ts';

const settings = { ...DEFAULT_CIRCUIT_BREAKER, minimumCalls: 5, failureRateThreshold: 0.5 };
const counts = (calls: number, statusFailures: number, transportFailures = 0): CallerCounts => ({
  calls,
  statusFailures,
  transportFailures,
});
const trips = (callers: Record<string, CallerCounts>) => failuresNotConfinedToOnePartner(new Map(Object.entries(callers)), settings);

describe('the upstream-wide trip rule', () => {
  it('does not open for failure statuses confined to one partner while the others succeed', () => {
    expect(trips({ a: counts(10, 0), b: counts(100, 100) })).toBe(false);
    expect(trips({ a: counts(10, 1), b: counts(100, 100), c: counts(10, 0) })).toBe(false);
  });

  it('opens when the partners other than the worst one fail past the threshold too', () => {
    expect(trips({ a: counts(10, 10), b: counts(10, 10) })).toBe(true);
    expect(trips({ a: counts(5, 3), b: counts(100, 100) })).toBe(true);
  });

  it('needs minimumCalls among the others before judging them', () => {
    expect(trips({ a: counts(2, 2), b: counts(100, 100) })).toBe(false);
  });

  it('judges the only caller of the window as everyone', () => {
    expect(trips({ a: counts(5, 5) })).toBe(true);
    expect(trips({ a: counts(4, 4) })).toBe(false);
  });

  it('opens on connect errors and timeouts over all calls, whoever got them', () => {
    expect(trips({ a: counts(10, 0, 0), b: counts(10, 0, 10) })).toBe(true);
    expect(trips({ a: counts(10, 0, 0), b: counts(10, 0, 9) })).toBe(false);
  });
});

/**
 * Over real sockets: the gateway with two partners, demo-partner (A) and partner-b (B), in front of
 * an upstream that answers 500 to B (by the x-concord-partner header the gateway sets from the token)
 * and 200 to everyone else, or 500 to everyone.
 */
const B_SECRET = 'partner-b-secret-for-breaker-tests';
const OPEN_MS = 60_000;

describe('per-partner breaker accounting through the gateway', { timeout: 60_000 }, () => {
  let bHash: string;
  const open: { close(): Promise<void> | void }[] = [];
  beforeAll(async () => {
    bHash = await hashClientSecret(B_SECRET);
  });
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
  });

  async function setUp(failFor: 'partner-b' | 'everyone') {
    const seen = { a: 0, b: 0 };
    const upstream: FakeUpstream = await startFakeUpstream((req, res) => {
      const partner = req.headers['x-concord-partner'];
      if (partner === 'partner-b') seen.b++;
      else seen.a++;
      if (failFor === 'everyone' || partner === 'partner-b') return sendJson(res, 500, { title: 'broken' });
      return sendJson(res, 200, ADA);
    });
    open.push(upstream);
    const built: BuiltGateway = testGateway(
      customersConfig(upstream.url, {
        defaults: { policies: { public: false } },
        security: {
          plans: { demo: { rateLimit: { points: 1_000_000, windowSeconds: 60 } } },
          partners: [{ clientId: 'partner-b', name: 'B', plan: 'demo', apis: ['customers'], scopes: ['customers:read'], secrets: [bHash] }],
        },
        resilience: {
          defaults: {
            retry: { maxAttempts: 1 },
            circuitBreaker: { minimumCalls: 5, failureRateThreshold: 0.5, openMs: OPEN_MS },
          },
        },
      }),
    );
    const server: Listening = await listen(built.app);
    open.push({ close: () => built.close() }, server);
    const tokenA = await issueTestToken(server.url);
    const tokenB = await issueTestToken(server.url, { clientId: 'partner-b', clientSecret: B_SECRET });
    const as = (token: string) => async () => {
      const res = await fetch(`${server.url}/v2/customers/cus_4f9a2b7c1d8e`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { code?: string; detail?: string };
      return { status: res.status, code: body.code, detail: body.detail };
    };
    const metric = async (line: string) => (await (await fetch(`${server.url}/metrics`)).text()).includes(line);
    return { seen, a: as(tokenA), b: as(tokenB), metric };
  }

  it('opens the circuit for the partner whose requests fail, never for the others', async () => {
    const { seen, a, b, metric } = await setUp('partner-b');
    for (let i = 0; i < 5; i++) expect((await a()).status).toBe(200);
    const fromA: { status: number }[] = [];
    const fromB: { status: number; code?: string | undefined; detail?: string | undefined }[] = [];
    // Both at once, B failing all along.
    await Promise.all([
      (async () => {
        for (let i = 0; i < 40; i++) fromA.push(await a());
      })(),
      (async () => {
        for (let i = 0; i < 40; i++) fromB.push(await b());
      })(),
    ]);
    expect(fromA.filter((r) => r.status !== 200)).toEqual([]);
    // B's first minimumCalls reached the upstream and failed (its 500 re-issued as the gateway's
    // 502 upstream-error); then its own circuit answered.
    for (const r of fromB.slice(0, 5)) expect(r).toMatchObject({ status: 502, code: 'UPSTREAM_ERROR' });
    for (const r of fromB.slice(5)) expect(r).toMatchObject({ status: 503, code: 'CIRCUIT_OPEN' });
    expect(fromB[5]!.detail).toContain('failing your requests');
    expect(seen.b).toBe(5);
    expect(seen.a).toBe(45);
    expect(await metric('concord_circuit_breaker_state{upstream="customers",state="closed"} 1')).toBe(true);
    expect(await metric('concord_partner_circuit_breaker_state{upstream="customers",partner="partner-b",state="open"} 1')).toBe(true);
    expect(await metric('concord_partner_circuit_breaker_rejections_total{upstream="customers",partner="partner-b"} 35')).toBe(true);
    expect(await metric('concord_circuit_breaker_rejections_total{upstream="customers"} 35')).toBe(true);
  });

  it('opens the circuit for everyone when the upstream fails for everyone', async () => {
    const { seen, a, b, metric } = await setUp('everyone');
    const outcomes: { status: number; code?: string | undefined }[] = [];
    for (let i = 0; i < 10; i++) {
      outcomes.push(await a());
      outcomes.push(await b());
    }
    for (const r of outcomes.slice(0, 10)) expect(r).toMatchObject({ status: 502, code: 'UPSTREAM_ERROR' });
    for (const r of outcomes.slice(10)) expect(r).toMatchObject({ status: 503, code: 'CIRCUIT_OPEN' });
    expect(seen).toEqual({ a: 5, b: 5 });
    expect(await metric('concord_circuit_breaker_state{upstream="customers",state="open"} 1')).toBe(true);
  });
});
