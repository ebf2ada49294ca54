import type { ServerResponse } from 'node:http';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltGateway } from '../app.ts';
import { type FakeUpstream, startFakeUpstream } from '../testing/fake-upstream.ts';
import { type Listening, listen } from '../testing/listen.ts';
import { customersConfig, testGateway } from '../testing/test-gateway.ts';

/**
 * A client that goes away aborts the upstream call (clientAbort's Node branch: the ServerResponse's
 * 'close'), over real sockets on both sides: client -> gateway (@hono/node-server) -> upstream. The
 * upstream sees the gateway close its connection before the answer is finished.
 */
describe('client disconnect aborts the upstream call', () => {
  let upstream: FakeUpstream;
  let gateway: BuiltGateway;
  let server: Listening;
  /** Per test: the upstream's response to the held request, and when its connection closed unfinished. */
  let held: Promise<ServerResponse>;
  let onHeld: (res: ServerResponse) => void;

  beforeAll(async () => {
    upstream = await startFakeUpstream((req, res) => {
      if (req.url.startsWith('/customers/cus_abcdefabcdef')) {
        // A streamed (chunked) body: one chunk now, the rest never.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(`{"id":"cus_abcdefabcdef","pad":"${'x'.repeat(100_000)}`);
      }
      onHeld(res);
    });
    // Response validation off for v2: the proxy streams rather than buffers, so the stream case is real.
    const object = customersConfig(upstream.url);
    // Deadlines far away: only the client's disconnect can end the held call within the test.
    (object.upstreams as Record<string, Record<string, unknown>>).customers!.timeoutMs = 600_000;
    object.resilience = { defaults: { timeouts: { requestMs: 600_000, headersMs: 600_000 } } };
    (object.apis as Record<string, unknown>[])[0]!.policies = { validation: { response: 'off' } };
    gateway = testGateway(object);
    server = await listen(gateway.app);
  });
  afterAll(async () => {
    await server.close();
    await gateway.close();
    await upstream.close();
  });

  function holdNext(): void {
    held = new Promise((resolve) => (onHeld = resolve));
  }
  const closedUnfinished = (res: ServerResponse) =>
    new Promise<boolean>((resolve) =>
      res.destroyed ? resolve(!res.writableFinished) : res.once('close', () => resolve(!res.writableFinished)),
    );

  it('while the gateway waits for the response headers', async () => {
    holdNext();
    const client = new AbortController();
    const answer = request(`${server.url}/v2/customers/cus_0123456789ab`, { signal: client.signal }).catch((err: unknown) => err);
    const res = await held;
    client.abort();
    expect(await closedUnfinished(res)).toBe(true);
    expect(await answer).toMatchObject({ name: 'AbortError' });
  });

  // Here @hono/node-server's cancel of the body stream on 'close' also reaches the upstream (the
  // body's destroy aborts it): the gateway must not leave the upstream mid-body either way.
  it('while the response body streams to the client', async () => {
    holdNext();
    const client = new AbortController();
    const answer = await request(`${server.url}/v2/customers/cus_abcdefabcdef`, { signal: client.signal });
    expect(answer.statusCode).toBe(200);
    // The first bytes came through: the body is streaming, the upstream has not finished it.
    const reader = answer.body[Symbol.asyncIterator]();
    expect((await reader.next()).done).toBe(false);
    const res = await held;
    client.abort();
    expect(await closedUnfinished(res)).toBe(true);
  });
});
