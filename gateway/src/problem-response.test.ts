import { Hono } from 'hono';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { GatewayEnv } from './env.ts';
import { GatewayError } from './errors.ts';
import { createErrorHandler, createNotFoundHandler } from './problem-response.ts';

function app(throwing: () => never) {
  const lines: string[] = [];
  const a = new Hono<GatewayEnv>();
  a.onError(createErrorHandler({ logger: pino({ level: 'info' }, { write: (l: string) => void lines.push(l) }) }));
  a.notFound(createNotFoundHandler());
  a.use('*', async (c, next) => {
    c.set('requestId', 'req-1');
    await next();
  });
  a.get('/boom', () => throwing());
  return { a, lines };
}

describe('the one error writer', () => {
  it('writes a GatewayError as problem+json with its code, headers, extensions and the request id', async () => {
    const { a } = app(() => {
      throw new GatewayError('METHOD_NOT_ALLOWED', 'no', { headers: { allow: 'GET' }, extensions: { hint: 1 } });
    });
    const res = await a.request('/boom');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toEqual({
      type: 'https://concord.dev/problems/method-not-allowed',
      title: 'Method not allowed',
      status: 405,
      detail: 'no',
      instance: '/boom',
      code: 'METHOD_NOT_ALLOWED',
      hint: 1,
      request_id: 'req-1',
    });
  });

  it('turns anything else into a 500 that says nothing of the internals, and logs it with the request id', async () => {
    const { a, lines } = app(() => {
      throw new Error('database password is hunter2');
    });
    const res = await a.request('/boom');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text)).toMatchObject({ type: 'https://concord.dev/problems/internal-error', request_id: 'req-1' });
    expect(lines.join('')).toContain('"request_id":"req-1"');
  });

  it('names the path in instance as it came, percent-encoded, so it stays a URI reference', async () => {
    const res = await app(() => {
      throw new Error();
    }).a.request('/v2/customers/%F0%9F%98%80%00x%20y?q=%00');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ instance: '/v2/customers/%F0%9F%98%80%00x%20y' });
  });

  it('answers unknown paths as problem+json', async () => {
    const res = await app(() => {
      throw new Error();
    }).a.request('/nowhere');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'NOT_FOUND', request_id: 'req-1' });
  });
});
