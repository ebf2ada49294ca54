/**
 * What the fuzz says when it finds something: a system API stand-in that fails (500) on any
 * customer with a phone number sits behind a real gateway; the fuzz of createCustomer
 * must fail, shrink the request to the smallest that still fails, and report that request
 * (method, target, headers, body) with the check it broke and the gateway's answer.
 */
import { openApiContracts } from '@concord/contracts/generated/index.ts';
import { listOperations } from '@concord/contracts/src/document/openapi-document.ts';
import type { BuiltGateway } from '@concord/gateway/src/app.ts';
import { startFakeUpstream, type FakeUpstream } from '@concord/gateway/src/testing/fake-upstream.ts';
import { listen, type Listening } from '@concord/gateway/src/testing/listen.ts';
import { customersConfig, testGateway } from '@concord/gateway/src/testing/test-gateway.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRequest, type FuzzRequest } from './support/fuzz-request.ts';
import { fuzzOperation } from './support/fuzz-operation.ts';

describe('a fuzz failure', () => {
  let upstream: FakeUpstream;
  let gateway: BuiltGateway;
  let server: Listening;

  beforeAll(async () => {
    upstream = await startFakeUpstream((req, res) => {
      const body = JSON.parse(req.body || '{}') as { phone?: unknown };
      if (typeof body.phone === 'string') {
        res.writeHead(500, { 'content-type': 'text/plain' });
        return res.end('TypeError: cannot read properties of undefined');
      }
      res.writeHead(400, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'about:blank', title: 'Bad Request', status: 400 }));
    });
    // No breaker and no retries: every shrinking step must reach the stand-in, or an open circuit
    // would fail every smaller request too and the shrunk one would say nothing.
    gateway = testGateway(
      customersConfig(upstream.url, {
        resilience: { defaults: { retry: { maxAttempts: 1 }, circuitBreaker: { minimumCalls: 1_000_000 } } },
      }),
    );
    server = await listen(gateway.app);
  });
  afterAll(async () => {
    await server.close();
    await gateway.close();
    await upstream.close();
  });

  it('is reported with the shrunk request: method, path and body', async () => {
    const entry = listOperations(openApiContracts['customers.v2']!).find((e) => e.operationId === 'createCustomer')!;
    const failing: FuzzRequest[] = [];
    const run = fuzzOperation({
      baseUrl: server.url,
      token: undefined,
      contract: 'customers.v2',
      basePath: '/v2',
      entry,
      known: {},
      numRuns: 300,
      seed: 42,
      onResponse: (request, response) => void (response.status >= 500 && failing.push(request)),
    });
    const error = await run.then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(error, 'the fuzz must find the 500').toBeInstanceOf(Error);
    // fast-check moves to every smaller request that still fails: the last one seen is the one reported.
    const shrunk = failing.at(-1)!;
    expect(failing.length).toBeGreaterThan(1);
    const body = JSON.parse(shrunk.body!) as Record<string, unknown>;
    // Every optional member but the one that fails is shrunk away.
    expect(Object.keys(body).sort()).toEqual(['email', 'family_name', 'given_name', 'phone']);
    expect(shrunk.method).toBe('POST');
    expect(shrunk.target).toBe('/v2/customers');
    // The report: fast-check's message names the shrunk request as describeRequest prints it, its
    // cause the broken check and the gateway's answer (vitest prints both).
    const message = error!.message;
    const cause = (error!.cause as Error).message;
    expect(message).toContain('Shrunk');
    expect(message).toContain(describeRequest(shrunk));
    expect(message).toContain('POST /v2/customers');
    expect(message).toContain('"phone\\":');
    expect(cause).toContain('not_a_server_error: 502');
    expect(cause).toContain('"code":"UPSTREAM_ERROR"');
    // The upstream's words are the log's, not the report's: the gateway never sent them.
    expect(message + cause).not.toContain('TypeError');
  });
});
