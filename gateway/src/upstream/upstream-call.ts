import type { AbortLike } from './abort-channel.ts';
import type { UpstreamBody } from './dispatched-call.ts';
import type { RequestStats } from '../observability/request-stats.ts';

/**
 * The seam between the pipeline and the network. The core proxy implements it with one undici
 * pool per upstream; resilience wraps it (timeouts, retries, circuit breaker) without the pipeline
 * knowing. Bodies are bytes already read (and validated) by the gateway, so a retry can resend them.
 */
export interface UpstreamRequest {
  /** The upstream's name in the config (`customers`). */
  upstream: string;
  operationId: string;
  method: string;
  /** Path and query relative to the upstream's base URL: `/customers/cus_123?expand=x`. */
  path: string;
  /** Already filtered to the forwarding allow-list; lower-case names. */
  headers: Record<string, string>;
  body: Uint8Array | undefined;
  /** Aborts when the client goes away (an AbortChannel on the hot path, an AbortSignal in tests). */
  signal: AbortLike;
  /**
   * The pipeline's deadline for the whole call (the operation's `policies.timeoutMs`, else the
   * upstream's `timeoutMs`). The resilient upstream applies the earlier of it and its own requestMs.
   */
  deadlineMs?: number | undefined;
  /** Safe or idempotent: GET, HEAD, PUT, DELETE, or any request carrying an Idempotency-Key. */
  retryable: boolean;
  /** The request's access-log stats (attempts, upstream time, span), filled in by the resilient upstream's observer. */
  stats?: RequestStats | undefined;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Read it whole (`bytes`, `text`), drain it (`dump`) or stream it (`stream`), once. */
  body: UpstreamBody;
  /** How many attempts were made (1 without retries). */
  attempts: number;
  /** Milliseconds from the first attempt to the response headers of the last. */
  upstreamMs: number;
}

export type UpstreamCall = (request: UpstreamRequest) => Promise<UpstreamResponse>;
