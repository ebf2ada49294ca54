import { createHash } from 'node:crypto';
import { Registry } from 'prom-client';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION_ADAPTERS } from '../adapters/index.ts';
import { versionAdapter } from '../policies/version-adapter/index.ts';
import { validateResponse } from '../policies/validate-response/index.ts';
import { gatewayMetrics } from '../observability/metrics.ts';
import { type FakeUpstream, startFakeUpstream } from '../testing/fake-upstream.ts';
import { type Listening, listen } from '../testing/listen.ts';
import { factory, policyApp } from '../testing/policy-app.ts';
import { configFrom, customersConfig, testDeps } from '../testing/test-gateway.ts';
import { proxy } from './proxy.ts';
import { createUndiciUpstream } from './undici-upstream.ts';

const CAP = 4096;

/** A customer with a long field the contract does not have: an invalid body, if anyone validates it. */
function customerJson(id: string, padBytes: number): string {
  return JSON.stringify({ id, given_name: 'Ada', family_name: 'Lovelace', pad: 'x'.repeat(padBytes) });
}

/**
 * validation.maxValidatedBytes over real sockets (client -> @hono/node-server -> proxy -> upstream),
 * the response steps of the production pipeline around the proxy. Over the cap a `report` body
 * streams unvalidated and counted; an adapter or `enforce` answers 502.
 */
describe('responses over validation.maxValidatedBytes', () => {
  let upstream: FakeUpstream;
  let server: Listening;
  let closeUpstreams: () => Promise<void>;
  const registry = new Registry();
  const metrics = gatewayMetrics(registry);
  const bodies = new Map<string, string>();

  beforeAll(async () => {
    upstream = await startFakeUpstream((req, res) => {
      const id = /\/customers\/([^/?]+)/.exec(req.url)?.[1] ?? 'list';
      const body = bodies.get(id) ?? customerJson(id, 10);
      if (id.endsWith('c')) {
        // Chunked, no length: the proxy only learns the size while reading. Many writes, each distinct.
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < body.length; i += 1000) res.write(body.slice(i, i + 1000));
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    const object = customersConfig(upstream.url);
    const [v2, v1] = object.apis as Record<string, unknown>[];
    v2!.policies = { validation: { response: 'report', maxValidatedBytes: CAP } };
    v2!.operations = { listCustomers: { policies: { validation: { response: 'enforce' } } } };
    v1!.policies = { validation: { response: 'report', maxValidatedBytes: CAP } };
    const config = configFrom(object);
    const deps = testDeps({ metrics: registry });
    const undici = createUndiciUpstream(config.upstreams);
    closeUpstreams = () => undici.close();
    const app = policyApp(
      () => [validateResponse(factory, deps), versionAdapter(factory, VERSION_ADAPTERS)],
      proxy(factory, { upstreams: config.upstreams, call: undici.call, metrics, logger: deps.logger, now: deps.now }),
      config,
    );
    server = await listen(app);
  });
  afterAll(async () => {
    await server.close();
    await closeUpstreams();
    await upstream.close();
  });

  const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');
  const skipped = async (reason: string) =>
    (await metrics.responseValidationSkipped.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
  const violations = async () =>
    (await registry.getSingleMetric('concord_upstream_contract_violations_total')!.get()).values.reduce((sum, v) => sum + v.value, 0);
  async function get(path: string) {
    const res = await request(`${server.url}${path}`);
    const bytes = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers: res.headers, bytes };
  }

  it('validates a body within the cap (the control: an invalid one is counted as a violation)', async () => {
    const before = await violations();
    const res = await get('/v2/customers/cus_00000000000a');
    expect(res.status).toBe(200);
    expect(await violations()).toBe(before + 1);
  });

  it('streams a body whose Content-Length is over the cap unvalidated, every byte, and counts it', async () => {
    const body = customerJson('cus_00000000000b', 200_000);
    bodies.set('cus_00000000000b', body);
    const [before, violationsBefore] = [await skipped('content_length'), await violations()];
    const res = await get('/v2/customers/cus_00000000000b');
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(sha256(res.bytes)).toBe(sha256(body));
    expect(await skipped('content_length')).toBe(before + 1);
    expect(await violations()).toBe(violationsBefore);
  });

  it('streams a chunked body that grows past the cap: the bytes read first, then the rest, in order', async () => {
    const body = customerJson('cus_00000000000c', 300_000).replace(
      /x{1000}/g,
      (run) => run.slice(0, 990) + String(Math.random()).slice(2, 12),
    );
    bodies.set('cus_00000000000c', body);
    const [before, violationsBefore] = [await skipped('body_size'), await violations()];
    const res = await get('/v2/customers/cus_00000000000c');
    expect(res.status).toBe(200);
    expect(res.bytes.byteLength).toBe(Buffer.byteLength(body));
    expect(sha256(res.bytes)).toBe(sha256(body));
    expect(await skipped('body_size')).toBe(before + 1);
    expect(await violations()).toBe(violationsBefore);
  });

  it('answers 502 for an adapted route over the cap, rather than buffering it', async () => {
    bodies.set('cus_00000000001c', customerJson('cus_00000000001c', 100_000));
    for (const id of ['cus_00000000000b', 'cus_00000000001c']) {
      const res = await get(`/v1/customers/${id}`);
      expect(res.status).toBe(502);
      expect(res.headers['content-type']).toBe('application/problem+json');
      const problem = JSON.parse(res.bytes.toString('utf8'));
      expect(problem).toMatchObject({ status: 502, code: 'UPSTREAM_CONTRACT_BROKEN', limit_bytes: CAP, upstream_status: 200 });
      expect(problem.detail).toContain(`more than the ${CAP} bytes this operation adapts (customers-v1-from-v2)`);
      expect(problem.detail).toContain('validation.maxValidatedBytes');
    }
  });

  it('answers 502 under enforce over the cap: it does not send what it has not checked', async () => {
    const body = JSON.stringify({ data: [], next_cursor: null, pad: 'x'.repeat(10_000) });
    bodies.set('list', body);
    const res = await get('/v2/customers');
    expect(res.status).toBe(502);
    const problem = JSON.parse(res.bytes.toString('utf8'));
    expect(problem.detail).toContain(`declared ${Buffer.byteLength(body)} bytes, more than the ${CAP} bytes this operation validates`);
  });
});
