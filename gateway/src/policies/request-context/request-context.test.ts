import { describe, expect, it } from 'vitest';
import { policyApp } from '../../testing/policy-app.ts';
import { parseTraceparent } from './request-context.ts';

describe('request context', () => {
  const app = policyApp(
    () => [],
    (c) => c.json({ id: c.get('requestId'), trace: c.get('traceId'), parent: c.get('traceparent') }),
  );

  it('keeps a sane X-Request-Id and the trace id of a valid traceparent, with a new span id', async () => {
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await app.request('/v2/customers', { headers: { 'x-request-id': 'abc-123', traceparent: incoming } });
    const body = (await res.json()) as { id: string; trace: string; parent: string };
    expect(body.id).toBe('abc-123');
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    expect(body.trace).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(body.parent).not.toBe(incoming);
    expect(res.headers.get('traceparent')).toBe(body.parent);
  });

  it('replaces an unsafe request id and an invalid traceparent', async () => {
    const res = await app.request('/v2/customers', {
      headers: { 'x-request-id': 'a b<script>', traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' },
    });
    const body = (await res.json()) as { id: string; trace: string };
    expect(body.id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(body.trace).toMatch(/^[0-9a-f]{32}$/);
    expect(body.trace).not.toBe('0'.repeat(32));
  });

  it('puts the request id into error bodies too', async () => {
    const res = await app.request('/nowhere', { headers: { 'x-request-id': 'err-1' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ request_id: 'err-1', status: 404 });
  });

  it('parses W3C traceparent strictly', () => {
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      flags: '01',
    });
    expect(parseTraceparent('ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBeUndefined();
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01')).toBeUndefined();
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra')).toBeUndefined();
  });
});
