import { z } from 'zod';
import { mapConfigSchema } from './map-schema.ts';

/**
 * The resilience and observability settings of gateway.config.yaml. Every field has a default, so
 * both blocks may be omitted. Per-upstream and per-operation settings live here too
 * (`resilience.upstreams.<name>`, `resilience.operations.<operationId>`) and override the defaults
 * field by field; `upstreamResilienceSchema` / `operationResilienceSchema` are exported so the core
 * config can also accept them inside its own `upstreams` / `operations` entries.
 */
const ms = z.number().int().positive();

export const timeoutsSchema = z
  .object({
    /** From sending the request to the response headers, per attempt (a retry gets a fresh one). */
    headersMs: ms.optional().describe('Per attempt: from sending the request to the response headers (504 after it)'),
    /**
     * The whole request including retries and backoff: the overall deadline. The core's
     * `upstreams.<name>.timeoutMs` / `policies.timeoutMs` deadline also applies; the earlier wins.
     * The connect timeout is the core's `upstreams.<name>.connectTimeoutMs` (an undici Pool option).
     */
    requestMs: ms.optional().describe('The whole request, retries and backoff included (the overall deadline)'),
  })
  .strict();

export const retrySchema = z
  .object({
    /** Total attempts including the first; 1 disables retries. */
    maxAttempts: z.number().int().min(1).max(10).optional().describe('Attempts including the first; 1 disables retries'),
    /** Base of the exponential backoff: attempt n waits random(0, min(maxDelayMs, baseDelayMs * 2^(n-1))). */
    baseDelayMs: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Backoff base: retry n waits random(0, min(maxDelayMs, baseDelayMs * 2^(n-1)))'),
    maxDelayMs: z.number().int().min(0).optional().describe('Backoff cap'),
    /** Statuses that are retried (for retryable requests only). */
    statuses: z
      .array(z.number().int().min(400).max(599))
      .optional()
      .describe('Upstream statuses retried (retryable requests only); default 429, 502, 503, 504'),
    /** A Retry-After longer than this is not waited for: the response is returned as is. */
    maxRetryAfterMs: z.number().int().min(0).optional().describe('A longer Retry-After is not waited for: the response is returned'),
    /** Whether a per-attempt headers timeout is retried (connect errors always are). */
    retryOnTimeout: z.boolean().optional().describe('Retry an attempt whose headers timed out (connect errors always are)'),
  })
  .strict();

export const retryBudgetSchema = z
  .object({
    /** Retries may be at most this share of the requests seen in the window. */
    ratio: z.number().min(0).max(1).optional().describe('Retries may be at most this share of the requests in the window'),
    /** Retries always allowed per window, so a quiet upstream can still be retried. */
    minRetriesPerWindow: z.number().int().min(0).optional().describe('Retries always allowed per window'),
    windowMs: ms.optional(),
  })
  .strict();

export const circuitBreakerSchema = z
  .object({
    enabled: z.boolean().optional(),
    /** Opens when failures / calls in the window reach this share ... */
    failureRateThreshold: z.number().gt(0).max(1).optional().describe('Opens when failures / calls in the window reach this share'),
    /** ... and at least this many calls were seen in the window. */
    minimumCalls: z.number().int().min(1).optional().describe('... and at least this many calls were seen in the window'),
    windowMs: ms.optional(),
    /** How long it stays open before letting trial requests through. */
    openMs: ms.optional().describe('Cool-down: how long it answers 503 at once before trial requests'),
    /** Trial requests allowed at once while half-open; that many successes close it. */
    halfOpenMaxCalls: z.number().int().min(1).optional().describe('Trial requests at once while half-open; that many successes close it'),
    /**
     * While open, GET the upstream's `healthPath` this often; the first 2xx lets trial requests
     * through at once instead of at the end of `openMs`. Without a healthPath there is no probing.
     */
    probeIntervalMs: ms
      .optional()
      .describe('While open, probe healthPath this often; a 2xx ends the cool-down early (no healthPath, no probing)'),
    /** Upstream statuses counted as failures (connect errors and timeouts always are). */
    failureStatuses: z
      .array(z.number().int().min(400).max(599))
      .optional()
      .describe('Statuses counted as failures (connect errors and timeouts always are)'),
  })
  .strict();

export const upstreamResilienceSchema = z
  .object({
    timeouts: timeoutsSchema.optional(),
    retry: retrySchema.optional(),
    retryBudget: retryBudgetSchema.optional(),
    circuitBreaker: circuitBreakerSchema.optional(),
    /** GET this path for /readyz instead of a TCP connect. */
    healthPath: z.string().startsWith('/').optional().describe('/readyz GETs this path (2xx = ready) instead of a TCP connect'),
  })
  .strict();

export const operationResilienceSchema = z
  .object({
    timeouts: timeoutsSchema.optional(),
    retry: retrySchema.optional(),
  })
  .strict();

export const idempotencySchema = z
  .object({
    enabled: z.boolean().default(true),
    /** How long a completed response is replayed (the contract promises at least 24 hours). */
    ttlSeconds: z.number().int().positive().default(86_400).describe('How long a completed response is replayed'),
    /** How long a key stays locked while its first request runs (frees it after a crash). */
    inFlightTtlSeconds: z.number().int().positive().default(60).describe('How long a key stays locked while its first request runs'),
    /** Redis key prefix; tests use a unique one. */
    keyPrefix: z.string().min(1).default('concord:idempotency:').describe('Redis key prefix'),
    /** Responses bigger than this are not stored (the key is released instead). */
    maxResponseBytes: z.number().int().positive().default(1_048_576).describe('Larger responses are not stored (the key is released)'),
    /**
     * When the store (Redis) is down or slower than storeTimeoutMs. `fail-closed` (the default): 503
     * `dependency-unavailable`, the request is not run. `fail-open`: the request runs without the
     * gateway's record, relying on the upstream's own per-partner Idempotency-Key handling; only for
     * gateways whose keyed operations all have one (orders does). Fail-closed by default because for
     * an upstream without one, a retry during the outage would do the work twice.
     */
    onStoreDown: z
      .enum(['fail-open', 'fail-closed'])
      .default('fail-closed')
      .describe(
        'Store down or slower than storeTimeoutMs: fail-closed answers 503; fail-open runs the request without the record (only where every keyed upstream dedupes by Idempotency-Key itself)',
      ),
    storeTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe('A store call slower than this counts as the store being down (see onStoreDown) instead of hanging the request'),
  })
  .strict();

export const resilienceConfigSchema = z
  .object({
    defaults: upstreamResilienceSchema.optional(),
    upstreams: z.record(z.string(), upstreamResilienceSchema).optional(),
    operations: z.record(z.string(), operationResilienceSchema).optional(),
    idempotency: idempotencySchema.prefault({}),
  })
  .strict();

export const observabilityConfigSchema = z
  .object({
    accessLog: z
      .object({ enabled: z.boolean().default(true) })
      .strict()
      .prefault({}),
    metrics: z
      .object({ enabled: z.boolean().default(true), path: z.string().startsWith('/').default('/metrics') })
      .strict()
      .prefault({}),
    readiness: z
      .object({
        /** Each dependency check gives up after this long. */
        timeoutMs: ms.default(1000),
        checkUpstreams: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    map: mapConfigSchema.prefault({}),
  })
  .strict();

export type TimeoutsConfig = z.infer<typeof timeoutsSchema>;
export type RetryConfig = z.infer<typeof retrySchema>;
export type RetryBudgetConfig = z.infer<typeof retryBudgetSchema>;
export type CircuitBreakerConfig = z.infer<typeof circuitBreakerSchema>;
export type UpstreamResilienceConfig = z.infer<typeof upstreamResilienceSchema>;
export type OperationResilienceConfig = z.infer<typeof operationResilienceSchema>;
export type IdempotencyConfig = z.infer<typeof idempotencySchema>;
export type ResilienceConfig = z.infer<typeof resilienceConfigSchema>;
export type ResilienceConfigInput = z.input<typeof resilienceConfigSchema>;
export type ObservabilityConfig = z.infer<typeof observabilityConfigSchema>;
export type ObservabilityConfigInput = z.input<typeof observabilityConfigSchema>;
