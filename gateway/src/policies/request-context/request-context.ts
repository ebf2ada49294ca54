/**
 * Request identity: X-Request-Id and W3C traceparent are accepted when well-formed and created
 * otherwise, forwarded upstream (by the proxy, from these variables), echoed to the client and
 * present in every log line and error body.
 */
import { randomHex } from '../../observability/random-hex.ts';
import { addResponseHeaders, applyResponseHeaders } from '../../response-headers.ts';
import type { createGatewayFactory } from '../../env.ts';
import { requestHeader } from '../../request-headers.ts';

/** Ids a client may choose: short, printable, no separators that could split a log line or header. */
const REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export interface ParsedTraceparent {
  traceId: string;
  flags: string;
}

export function parseTraceparent(value: string | undefined): ParsedTraceparent | undefined {
  if (!value) return undefined;
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags] = m as unknown as [string, string, string, string, string];
  // Version ff is forbidden; future versions may append fields, version 00 may not.
  if (version === 'ff' || traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  if (version === '00' && value.trim().length !== 55) return undefined;
  return { traceId, flags };
}

export function newSpanId(): string {
  return randomHex(8);
}

export interface RequestContextOptions {
  /** Generates request ids; injected by tests. */
  generateId?: () => string;
}

export function requestContext(factory: ReturnType<typeof createGatewayFactory>, options: RequestContextOptions = {}) {
  const generateId = options.generateId ?? (() => `req_${randomHex(16)}`);
  return factory.createMiddleware(async function requestContext(c, next) {
    c.set('startedAt', performance.now());
    const offered = requestHeader(c, 'x-request-id');
    const requestId = offered !== undefined && REQUEST_ID.test(offered) ? offered : generateId();
    const parent = parseTraceparent(requestHeader(c, 'traceparent'));
    const traceId = parent?.traceId ?? randomHex(16);
    const traceparent = `00-${traceId}-${newSpanId()}-${parent?.flags ?? '01'}`;
    c.set('requestId', requestId);
    c.set('traceId', traceId);
    c.set('traceparent', traceparent);
    const echoed = { 'x-request-id': requestId, traceparent };
    addResponseHeaders(c, echoed);
    await next();
    applyResponseHeaders(c, echoed);
  });
}
