import { GatewayError } from '../errors.ts';
import type { RetrySettings } from './resilience-settings.ts';

/**
 * What an attempt came to, and whether it may be retried. Only requests the pipeline marked
 * `retryable` (safe or idempotent methods, or carrying an Idempotency-Key) are ever retried; a
 * connect error is retried because the upstream never saw the request, a timeout only when
 * configured, a response only for the configured statuses (502, 503, 504, 429 by default).
 */
export type AttemptFailure = 'connect' | 'timeout' | 'other';

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Classifies a thrown error of the inner call, looking through `cause` chains (undici and the core's
 * GatewayErrors wrap). A connect timeout is a connect failure: the upstream never saw the request.
 */
export function classifyError(err: unknown): AttemptFailure {
  let unreachable = false;
  let timeout = false;
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = errorCode(e);
    if (code && CONNECT_CODES.has(code)) return 'connect';
    if (code && TIMEOUT_CODES.has(code)) timeout = true;
    if (e instanceof Error && e.name === 'TimeoutError') timeout = true;
    if (e instanceof GatewayError && e.code === 'UPSTREAM_UNREACHABLE') unreachable = true;
    if (e instanceof GatewayError && e.code === 'UPSTREAM_TIMEOUT') timeout = true;
  }
  if (timeout) return 'timeout';
  return unreachable ? 'connect' : 'other';
}

export function isRetryableFailure(failure: AttemptFailure, retry: RetrySettings): boolean {
  return failure === 'connect' || (failure === 'timeout' && retry.retryOnTimeout);
}

export function isRetryableStatus(status: number, retry: RetrySettings): boolean {
  return retry.statuses.includes(status);
}
