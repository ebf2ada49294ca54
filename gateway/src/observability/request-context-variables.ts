import type { RequestStats } from './request-stats.ts';

export interface RequestContextVariables {
  /** X-Request-Id: the client's when it sent a sane one, else generated. */
  requestId: string;
  /** W3C trace id (32 hex) of this request; the span id of the gateway's hop is in `traceparent`. */
  traceId: string;
  /** The traceparent the gateway forwards upstream (same trace, the gateway's own span id). */
  traceparent: string;
  /** performance.now() when the request entered the gateway. */
  startedAt: number;
  /** Opened by the access log; the proxy passes it to the upstream call, which fills it in. */
  requestStats: RequestStats | undefined;
}
