import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.ts';
import type { ResilienceConfigInput } from '../config/resilience-schema.ts';
import { resilienceConfigSchema } from '../config/resilience-schema.ts';
import { createResilientUpstream, type UpstreamObserver } from './resilient-upstream.ts';
import type { UpstreamRequest, UpstreamResponse } from './upstream-call.ts';

type Step = number | { status: number; headers?: Record<string, string> } | Error;

function connectError(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
}

/** A fake upstream that plays a script of outcomes and records what it was asked. */
function scripted(steps: Step[]) {
  const seen: UpstreamRequest[] = [];
  let dumped = 0;
  const call = async (req: UpstreamRequest): Promise<UpstreamResponse> => {
    seen.push(req);
    const step = steps[Math.min(seen.length - 1, steps.length - 1)]!;
    if (step instanceof Error) throw step;
    const { status, headers = {} } = typeof step === 'number' ? { status: step } : step;
    const body = { dump: async () => void dumped++ } as unknown as UpstreamResponse['body'];
    return { status, headers, body, attempts: 1, upstreamMs: 0 };
  };
  return { call, seen, dumped: () => dumped };
}

function harness(steps: Step[], config: ResilienceConfigInput = {}) {
  const clock = { now: 1_000_000 };
  const sleeps: number[] = [];
  const events: string[] = [];
  const upstream = scripted(steps);
  const observer: UpstreamObserver = {
    retry: (e) => events.push(`retry:${e.reason}`),
    retryStopped: (e) => events.push(`stop:${e.stop}`),
    circuitRejected: () => events.push('rejected'),
    circuitStateChanged: (_u, s) => events.push(`circuit:${s}`),
  };
  const resilient = createResilientUpstream(upstream.call, {
    config: resilienceConfigSchema.parse(config),
    now: () => clock.now,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.now += ms;
    },
    observer,
  });
  return { ...resilient, upstream, clock, sleeps, events };
}

function request(overrides: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return {
    upstream: 'orders',
    operationId: 'getOrder',
    method: 'GET',
    path: '/orders/ord_1',
    headers: {},
    body: undefined,
    signal: new AbortController().signal,
    retryable: true,
    ...overrides,
  };
}

describe('resilient upstream: retries', () => {
  it('retries a retryable request on 503 and connect errors, with full-jitter backoff, then succeeds', async () => {
    const h = harness([503, connectError(), 200], { defaults: { retry: { baseDelayMs: 100, maxDelayMs: 10_000 } } });
    const res = await h.call(request());
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(3);
    expect(h.upstream.seen).toHaveLength(3);
    expect(h.sleeps).toEqual([50, 100]); // random 0.5 x 100, 0.5 x 200
    expect(h.upstream.dumped()).toBe(1); // the 503's body was drained before retrying
    expect(h.events).toEqual(['retry:503', 'retry:connect']);
  });

  it('never retries a request that is not retryable', async () => {
    const h = harness([503, 200]);
    const res = await h.call(request({ method: 'POST', retryable: false }));
    expect(res.status).toBe(503);
    expect(h.upstream.seen).toHaveLength(1);
  });

  it('does not retry statuses outside the list', async () => {
    const h = harness([500, 200]);
    expect((await h.call(request())).status).toBe(500);
    expect(h.upstream.seen).toHaveLength(1);
  });

  it('stops at maxAttempts and returns the last response', async () => {
    const h = harness([502], { defaults: { retry: { maxAttempts: 3 } } });
    const res = await h.call(request());
    expect(res.status).toBe(502);
    expect(h.upstream.seen).toHaveLength(3);
    expect(h.events.at(-1)).toBe('stop:attempts');
  });

  it('waits at least Retry-After, and gives up when it is longer than allowed', async () => {
    const h = harness([{ status: 429, headers: { 'retry-after': '2' } }, 200], { defaults: { retry: { maxRetryAfterMs: 5000 } } });
    expect((await h.call(request())).status).toBe(200);
    expect(h.sleeps).toEqual([2000]);

    const g = harness([{ status: 503, headers: { 'retry-after': '120' } }, 200]);
    expect((await g.call(request())).status).toBe(503);
    expect(g.events).toEqual(['stop:retry-after']);
  });

  it('does not retry past the request deadline', async () => {
    const h = harness([{ status: 503, headers: { 'retry-after': '3' } }, 200], {
      defaults: { timeouts: { requestMs: 2000 }, retry: { maxRetryAfterMs: 10_000 } },
    });
    expect((await h.call(request())).status).toBe(503);
    expect(h.events).toEqual(['stop:deadline']);
  });

  it('spends at most the retry budget of the upstream', async () => {
    const h = harness([503], {
      defaults: { retry: { maxAttempts: 5 }, retryBudget: { ratio: 0, minRetriesPerWindow: 2 }, circuitBreaker: { enabled: false } },
    });
    await h.call(request());
    expect(h.upstream.seen).toHaveLength(3); // the first attempt + the two retries of the budget
    await h.call(request());
    expect(h.upstream.seen).toHaveLength(4); // budget spent: no retry at all
    expect(h.events.filter((e) => e === 'stop:budget')).toHaveLength(2);
  });

  it('turns a connect error into a 502 UPSTREAM_UNREACHABLE once retries are exhausted', async () => {
    const h = harness([connectError()], { defaults: { retry: { maxAttempts: 2 } } });
    const err = await h.call(request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe('UPSTREAM_UNREACHABLE');
    expect((err as GatewayError).status).toBe(502);
    expect(h.upstream.seen).toHaveLength(2);
  });

  it('applies per-operation settings over the upstream ones', async () => {
    const h = harness([503], {
      upstreams: { orders: { retry: { maxAttempts: 3 } } },
      operations: { getOrder: { retry: { maxAttempts: 1 } } },
    });
    await h.call(request());
    expect(h.upstream.seen).toHaveLength(1);
    await h.call(request({ operationId: 'listOrders' }));
    expect(h.upstream.seen).toHaveLength(4);
  });
});

describe('resilient upstream: timeouts', () => {
  it('aborts an attempt whose headers are late with 504 UPSTREAM_TIMEOUT', async () => {
    const resilient = createResilientUpstream(
      (req) => new Promise((_, reject) => req.signal.addEventListener('abort', () => reject(req.signal.reason))),
      { config: resilienceConfigSchema.parse({ operations: { getOrder: { timeouts: { headersMs: 20 } } } }), now: Date.now },
    );
    const err = await resilient.call(request()).catch((e: unknown) => e);
    expect((err as GatewayError).code).toBe('UPSTREAM_TIMEOUT');
    expect((err as GatewayError).status).toBe(504);
  });

  it('bounds the whole request, retries included, by the deadline', async () => {
    const resilient = createResilientUpstream(
      (req) => new Promise((_, reject) => req.signal.addEventListener('abort', () => reject(req.signal.reason))),
      {
        config: resilienceConfigSchema.parse({
          defaults: { timeouts: { requestMs: 30, headersMs: 1000 }, retry: { retryOnTimeout: true } },
        }),
        now: Date.now,
      },
    );
    const err = await resilient.call(request()).catch((e: unknown) => e);
    expect((err as GatewayError).code).toBe('UPSTREAM_TIMEOUT');
    expect((err as GatewayError).message).toContain('30 ms');
  });

  it('treats the pipeline deadline (a TimeoutError on the request signal) as a timeout, not a client abort', async () => {
    const resilient = createResilientUpstream(
      (req) => new Promise((_, reject) => req.signal.addEventListener('abort', () => reject(req.signal.reason))),
      { config: resilienceConfigSchema.parse({ defaults: { circuitBreaker: { minimumCalls: 1 } } }), now: Date.now },
    );
    const err = await resilient.call(request({ signal: AbortSignal.timeout(20) })).catch((e: unknown) => e);
    expect((err as GatewayError).code).toBe('UPSTREAM_TIMEOUT');
    expect(resilient.breaker('orders').state).toBe('open');
  });

  it('passes the client abort through without counting it against the upstream', async () => {
    const client = new AbortController();
    const h = harness([200]);
    const resilient = createResilientUpstream(
      (req) => new Promise((_, reject) => req.signal.addEventListener('abort', () => reject(req.signal.reason))),
      { config: resilienceConfigSchema.parse({}), now: () => h.clock.now },
    );
    const pending = resilient.call(request({ signal: client.signal }));
    client.abort(new Error('client went away'));
    await expect(pending).rejects.toThrow('client went away');
    expect(resilient.breaker('orders').state).toBe('closed');
  });
});

describe('resilient upstream: circuit breaker', () => {
  const breakerConfig: ResilienceConfigInput = {
    defaults: { retry: { maxAttempts: 1 }, circuitBreaker: { minimumCalls: 3, failureRateThreshold: 0.5, openMs: 1000 } },
  };

  it('opens after the threshold and then answers 503 CIRCUIT_OPEN without calling the upstream', async () => {
    const h = harness([503, 503, 503, 200], breakerConfig);
    for (let i = 0; i < 3; i++) await h.call(request());
    expect(h.breaker('orders').state).toBe('open');
    const err = await h.call(request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe('CIRCUIT_OPEN');
    expect((err as GatewayError).status).toBe(503);
    expect((err as GatewayError).headers['Retry-After']).toBe('1');
    expect(h.upstream.seen).toHaveLength(3);
  });

  it('lets one trial through after the cool-down; its success closes the circuit', async () => {
    const h = harness([connectError(), connectError(), connectError(), 200], breakerConfig);
    for (let i = 0; i < 3; i++) await h.call(request()).catch(() => {});
    h.clock.now += 1000;
    expect((await h.call(request())).status).toBe(200);
    expect(h.breaker('orders').state).toBe('closed');
    expect(h.events).toEqual(['circuit:open', 'circuit:half-open', 'circuit:closed']);
  });

  it('stops retrying when the circuit opens mid-request and returns what it had', async () => {
    const h = harness([503], { defaults: { retry: { maxAttempts: 5 }, circuitBreaker: { minimumCalls: 2, failureRateThreshold: 0.5 } } });
    const res = await h.call(request());
    expect(res.status).toBe(503);
    expect(h.upstream.seen).toHaveLength(2);
    expect(h.events).toContain('stop:circuit');
  });
});
