import { Hono } from 'hono';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestHeader, requestHeaders } from './request-headers.ts';
import { type Listening, listen } from './testing/listen.ts';

/**
 * Over a real socket, so requestHeader/requestHeaders read Node's IncomingMessage (the production
 * path). Each answer also carries what hono's `c.req.header()` gives for the same request (a Web
 * Headers built from the raw headers): the fast path must agree with it.
 */
describe('request headers read from Node', () => {
  let server: Listening;
  const NAMES = ['authorization', 'cookie', 'x-multi', 'accept', 'content-type', 'x-request-id', 'user-agent', 'x-absent'];

  beforeAll(async () => {
    const app = new Hono();
    app.all('*', (c) => {
      const node = { nodeRequest: (c.env as { incoming?: unknown }).incoming !== undefined } as Record<string, unknown>;
      const one = Object.fromEntries(NAMES.map((name) => [name, requestHeader(c, name) ?? null]));
      const all = requestHeaders(c);
      // Read last: c.req.header() builds the Web Request the fast path avoids.
      const web = Object.fromEntries(NAMES.map((name) => [name, c.req.header(name) ?? null]));
      return c.json({ ...node, one, all, web, webAll: c.req.header() });
    });
    server = await listen(app);
  });
  afterAll(() => server.close());

  /** Sends `lines` as written (name case, order and repeats kept), with undici's flat header list. */
  async function send(lines: [string, string][]): Promise<any> {
    const res = await request(`${server.url}/anything`, { headers: lines.flat() });
    return res.body.json();
  }

  it('takes the Node path, and agrees with the Web Headers on every header', async () => {
    const body = await send([
      ['Authorization', 'Bearer one'],
      ['X-Request-ID', 'req-1'],
      ['Accept', 'application/json'],
      ['Content-Type', 'application/json'],
    ]);
    expect(body.nodeRequest).toBe(true);
    expect(body.one).toEqual(body.web);
    expect(body.all).toEqual(body.webAll);
    expect(body.one).toMatchObject({ authorization: 'Bearer one', 'x-request-id': 'req-1', accept: 'application/json', 'x-absent': null });
  });

  it('gives names in lower case whatever case the client sent', async () => {
    const body = await send([
      ['X-REQUEST-ID', 'upper'],
      ['x-MuLtI', 'mixed'],
    ]);
    expect(body.one['x-request-id']).toBe('upper');
    expect(body.one['x-multi']).toBe('mixed');
    expect(Object.keys(body.all).filter((name) => name !== name.toLowerCase())).toEqual([]);
    expect(body.all).toEqual(body.webAll);
  });

  it('joins repeated headers as Headers.get does, including those Node keeps only once', async () => {
    const body = await send([
      ['X-Multi', 'a'],
      ['x-multi', 'b'],
      ['Authorization', 'Bearer first'],
      ['authorization', 'Bearer second'],
      ['Content-Type', 'application/json'],
      ['content-type', 'text/plain'],
      ['User-Agent', 'one'],
      ['user-agent', 'two'],
      ['Cookie', 'a=1'],
      ['cookie', 'b=2'],
    ]);
    // Node alone would give 'Bearer first', 'application/json' and 'one'; Cookie is joined with "; " by both.
    expect(body.one).toMatchObject({
      'x-multi': 'a, b',
      authorization: 'Bearer first, Bearer second',
      'content-type': 'application/json, text/plain',
      'user-agent': 'one, two',
      cookie: 'a=1; b=2',
    });
    expect(body.one).toEqual(body.web);
    expect(body.all).toEqual(body.webAll);
  });
});
