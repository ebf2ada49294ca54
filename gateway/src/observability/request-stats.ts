import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context as OtelContext } from '@opentelemetry/api';

/**
 * What the upstream wrapper learns about one request (attempts, time spent upstream) and the access
 * log reports. Carried in AsyncLocalStorage so the UpstreamCall seam stays as it is: the access log
 * opens the store around the pipeline, the resilient upstream writes into it.
 */
export interface RequestStats {
  /** Upstream attempts made for this request (0 when it never reached an upstream). */
  attempts: number;
  /** Time spent upstream, retries and backoff included. */
  upstreamMs: number | undefined;
  /** The request's server span, parent of the upstream attempt spans. */
  spanContext: OtelContext | undefined;
  /** Set when the circuit breaker answered instead of the upstream. */
  circuitOpen: boolean;
}

export const requestStatsStorage = new AsyncLocalStorage<RequestStats>();

export function currentRequestStats(): RequestStats | undefined {
  return requestStatsStorage.getStore();
}

export function newRequestStats(spanContext?: OtelContext): RequestStats {
  return { attempts: 0, upstreamMs: undefined, spanContext, circuitOpen: false };
}
