import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.ts';
import { classifyError } from './retry-policy.ts';

describe('classifyError', () => {
  const coded = (code: string) => Object.assign(new Error(code), { code });

  it("finds connect failures through cause chains, including the core's GatewayErrors", () => {
    expect(classifyError(coded('ECONNREFUSED'))).toBe('connect');
    expect(classifyError(new GatewayError('UPSTREAM_UNREACHABLE', 'x', { cause: coded('ECONNRESET') }))).toBe('connect');
    expect(classifyError(new GatewayError('UPSTREAM_UNREACHABLE', 'x'))).toBe('connect');
    // a connect timeout never reached the upstream: retryable like any connect failure
    expect(classifyError(new GatewayError('UPSTREAM_TIMEOUT', 'x', { cause: coded('UND_ERR_CONNECT_TIMEOUT') }))).toBe('connect');
  });

  it('tells timeouts from other errors', () => {
    expect(classifyError(coded('UND_ERR_HEADERS_TIMEOUT'))).toBe('timeout');
    expect(classifyError(new DOMException('t', 'TimeoutError'))).toBe('timeout');
    expect(classifyError(new GatewayError('UPSTREAM_TIMEOUT', 'x'))).toBe('timeout');
    expect(classifyError(new Error('boom'))).toBe('other');
  });
});
