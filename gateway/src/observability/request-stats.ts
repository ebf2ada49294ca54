import type { Context as OtelContext } from '@opentelemetry/api';

/**
 * What the upstream wrapper learns about one request (attempts, time spent upstream) and the access
 * log reports. Passed explicitly, not through AsyncLocalStorage (which makes every promise of the
 * process costlier on Node 20: ~4% of the gateway's CPU): the access log opens it as the context
 * variable `requestStats`, the proxy hands it to the upstream call (`UpstreamRequest.stats`), and the
 * resilient upstream's observer writes into it.
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

export function newRequestStats(spanContext?: OtelContext): RequestStats {
  return { attempts: 0, upstreamMs: undefined, spanContext, circuitOpen: false };
}
