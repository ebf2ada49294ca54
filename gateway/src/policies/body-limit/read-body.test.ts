import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors.ts';
import { factory, policyApp } from '../../testing/policy-app.ts';
import { configFrom, customersConfig } from '../../testing/test-gateway.ts';
import { type Listening, listen } from '../../testing/listen.ts';
import { readRequestBody } from './read-body.ts';

/**
 * readRequestBody over a real socket: under @hono/node-server it reads Node's IncomingMessage
 * (readNode), the path production takes and `app.request()` never does. The handler answers with
 * the size and a digest of the bytes it got, so a byte lost, doubled or reordered shows.
 */
describe('request body read from Node', () => {
  const LIMIT = 64;
  let server: Listening;
  /** What the pipeline ended with, per request, in arrival order (an outer step records it). */
  const outcomes: { status: number; error: unknown }[] = [];
  let settled: (() => void) | undefined;
  let handled = 0;
  /** Runs before the body is read, when a test sets it (to let the client go away first). */
  let beforeRead: ((incoming: IncomingMessage) => Promise<void>) | undefined;

  beforeAll(async () => {
    const object = customersConfig('http://127.0.0.1:9');
    (object.apis as Record<string, unknown>[])[0]!.operations = { createCustomer: { policies: { bodyLimitBytes: LIMIT } } };
    const app = policyApp(
      () => [
        factory.createMiddleware(async (c, next) => {
          try {
            await next();
          } finally {
            outcomes.push({ status: c.res.status, error: c.error });
            settled?.();
          }
        }),
        factory.createMiddleware(async (c, next) => {
          if (beforeRead) await beforeRead((c.env as { incoming: IncomingMessage }).incoming);
          return next();
        }),
        // The first step that needs the body reads it, as idempotency, validation or the proxy do.
        factory.createMiddleware(async (c, next) => {
          await readRequestBody(c);
          return next();
        }),
      ],
      (c) => {
        handled++;
        const body = c.get('requestBody');
        return c.json({
          node: (c.env as { incoming?: unknown }).incoming !== undefined,
          bytes: body === null || body === undefined ? null : body.byteLength,
          sha256: body ? createHash('sha256').update(body).digest('hex') : null,
        });
      },
      configFrom(object),
    );
    server = await listen(app);
  });
  afterAll(() => server.close());

  const post = (body: string | Readable | undefined, headers: Record<string, string> = {}) =>
    request(`${server.url}/v2/customers`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  /** A body sent without Content-Length (Transfer-Encoding: chunked), one write per part. */
  const chunked = (parts: string[]) => Readable.from(parts.map((part) => Buffer.from(part)));

  it('reads a body of declared Content-Length', async () => {
    const text = '{"given_name":"Ada","x":"é"}';
    const res = await post(text);
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ node: true, bytes: Buffer.byteLength(text), sha256: sha256(text) });
  });

  it('reads a chunked body without a length, every chunk in order', async () => {
    const parts = ['{"a":', '"0123456789",', '"b":', '"abcdefghij"}'];
    const res = await post(chunked(parts));
    expect(res.statusCode).toBe(200);
    const text = parts.join('');
    expect(await res.body.json()).toEqual({ node: true, bytes: Buffer.byteLength(text), sha256: sha256(text) });
  });

  it('reads a body of exactly the limit', async () => {
    const text = 'x'.repeat(LIMIT);
    const res = await post(chunked([text.slice(0, 10), text.slice(10)]));
    expect(await res.body.json()).toMatchObject({ bytes: LIMIT, sha256: sha256(text) });
  });

  it('refuses a declared length over the limit with a 413 problem, without calling the handler', async () => {
    const before = handled;
    const res = await post('x'.repeat(LIMIT + 1));
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(await res.body.json()).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE', limit_bytes: LIMIT });
    expect(handled).toBe(before);
  });

  it('refuses a chunked body that grows past the limit with a 413 problem', async () => {
    const before = handled;
    const res = await post(chunked(['x'.repeat(40), 'y'.repeat(40), 'z'.repeat(40)]));
    expect(res.statusCode).toBe(413);
    expect(await res.body.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limit_bytes: LIMIT });
    expect(handled).toBe(before);
  });

  it('gives null for an empty body, declared or chunked', async () => {
    expect(await (await post('', { 'content-length': '0' })).body.json()).toEqual({ node: true, bytes: null, sha256: null });
    expect(await (await post(chunked([]))).body.json()).toEqual({ node: true, bytes: null, sha256: null });
  });

  /** Sends a head announcing 100 bytes and 10 of them, then closes; resolves once the pipeline settled. */
  async function stopMidBody(): Promise<{ status: number; error: unknown }> {
    const before = outcomes.length;
    const done = new Promise<void>((resolve) => {
      settled = () => outcomes.length > before && resolve();
    });
    const socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write('POST /v2/customers HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 60\r\n\r\n{"given_name"');
    socket.destroy();
    await done;
    settled = undefined;
    return outcomes[before]!;
  }

  it('ends the pipeline with 499, not a 500, when the client stops mid-body', async () => {
    const before = handled;
    const outcome = await stopMidBody();
    expect(outcome.error).toBeInstanceOf(GatewayError);
    expect(outcome).toMatchObject({ status: 499, error: { code: 'CLIENT_CLOSED_REQUEST' } });
    expect(handled).toBe(before);
  });

  it('does not wait forever when the client was already gone before the body was read', async () => {
    const before = handled;
    // The step before the read holds the request until Node has torn it down.
    beforeRead = (incoming) => new Promise((resolve) => (incoming.destroyed ? resolve() : incoming.once('close', () => resolve())));
    try {
      const outcome = await stopMidBody();
      expect(outcome).toMatchObject({ status: 499, error: { code: 'CLIENT_CLOSED_REQUEST' } });
    } finally {
      beforeRead = undefined;
    }
    expect(handled).toBe(before);
    // and the server still serves
    expect((await post('{}')).statusCode).toBe(200);
  });
});
