import { context as otelContext, SpanKind, SpanStatusCode, trace, type Context, type Tracer } from '@opentelemetry/api';
import type { ResilienceConfig } from '../config/resilience-schema.ts';
import { GatewayError } from '../errors.ts';
import { fullJitterDelay, parseRetryAfter, sleep as realSleep } from './backoff.ts';
import type { CircuitBreaker, CircuitMemory, CircuitState } from './circuit-breaker.ts';
import { type BreakerScope, createPartnerBreakers, OTHER_CALLERS, type PartnerBreakers } from './partner-breakers.ts';
import { createRecoveryProbe, type RecoveryProbe } from './recovery-probe.ts';
import { operationSettings, upstreamSettings, type OperationSettings, type UpstreamSettings } from './resilience-settings.ts';
import { RetryBudget } from './retry-budget.ts';
import { classifyError, isRetryableFailure, isRetryableStatus, type AttemptFailure } from './retry-policy.ts';
import type { AbortLike } from './abort-channel.ts';
import { CallAborts } from './timeouts.ts';
import type { UpstreamCall, UpstreamRequest, UpstreamResponse } from './upstream-call.ts';

/**
 * Wraps the core's UpstreamCall with the deadline, per-attempt headers timeout, retries (backoff
 * with full jitter, Retry-After, attempts, deadline and retry budget) and the circuit breakers of
 * the request's upstream (upstream-wide and per partner, partner-breakers.ts; the upstream-wide one
 * probed while open when the upstream has a health path, recovery-probe.ts). The pipeline keeps
 * calling an UpstreamCall and never knows.
 */
export type RetryStop = 'attempts' | 'deadline' | 'budget' | 'circuit' | 'retry-after';

/** Hooks for metrics, logs and tests; every one optional. */
export interface UpstreamObserver {
  attempt?(e: { upstream: string; operationId: string; attempt: number; status?: number; failure?: AttemptFailure; ms: number }): void;
  retry?(e: { upstream: string; operationId: string; reason: string; delayMs: number }): void;
  retryStopped?(e: { upstream: string; operationId: string; stop: RetryStop }): void;
  /** `scope`: the upstream-wide breaker refused, or the caller's own. */
  circuitRejected?(e: { upstream: string; operationId: string; request: UpstreamRequest; scope: BreakerScope; partner: string }): void;
  /** The upstream-wide breaker. */
  circuitStateChanged?(upstream: string, state: CircuitState): void;
  /** One partner's breaker (`partner` is OTHER_CALLERS for everyone not a configured partner). */
  partnerCircuitStateChanged?(upstream: string, partner: string, state: CircuitState): void;
  completed?(e: {
    upstream: string;
    operationId: string;
    attempts: number;
    upstreamMs: number;
    status?: number;
    request: UpstreamRequest;
  }): void;
}

export interface ResilientUpstreamOptions {
  config: ResilienceConfig;
  /** Upstreams known at start-up: their breakers exist (and report state) before the first call. */
  upstreams?: readonly string[];
  now: () => number;
  /** [0, 1); Math.random by default. */
  random?: () => number;
  sleep?: (ms: number, signal: AbortLike) => Promise<void>;
  tracer?: Tracer;
  /** The context the attempt spans are children of (the request's server span). */
  parentContext?: (request: UpstreamRequest) => Context;
  observer?: UpstreamObserver;
  /**
   * Whose call this is, for per-partner breaker accounting: a configured partner's client id, else
   * OTHER_CALLERS (the default). Must come from a bounded set: one breaker is kept per value.
   */
  callerOf?: (request: UpstreamRequest) => string;
  /**
   * Where an upstream-wide breaker keeps its open state for the next build (a config reload).
   * Without it every build starts closed.
   */
  circuitMemory?: (upstream: string) => CircuitMemory;
  /** GETs `healthPath` of `upstream` (2xx passes); the recovery probe is off without it. */
  healthCheck?: (upstream: string, healthPath: string, timeoutMs: number, signal: AbortSignal) => Promise<void>;
}

export interface ResilientUpstream {
  call: UpstreamCall;
  /** The upstream-wide breaker. */
  breaker(upstream: string): CircuitBreaker;
  /** One partner's breaker on that upstream. */
  partnerBreaker(upstream: string, partner: string): CircuitBreaker;
  settings(upstream: string): UpstreamSettings;
  /** Stops the recovery probes; calls made later still work, unprobed. */
  close(): void;
}

interface UpstreamState {
  settings: UpstreamSettings;
  breakers: PartnerBreakers;
  probe: RecoveryProbe | undefined;
  budget: RetryBudget;
  operations: Map<string, OperationSettings>;
}

export function createResilientUpstream(inner: UpstreamCall, options: ResilientUpstreamOptions): ResilientUpstream {
  const { config, now, observer = {} } = options;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? realSleep;
  const tracer = options.tracer ?? trace.getTracer('concord-gateway');
  const parentContext = options.parentContext ?? (() => otelContext.active());
  const callerOf = options.callerOf ?? (() => OTHER_CALLERS);
  const states = new Map<string, UpstreamState>();
  let closed = false;

  function stateOf(upstream: string): UpstreamState {
    let state = states.get(upstream);
    if (!state) {
      const settings = upstreamSettings(config, upstream);
      const { healthPath } = settings;
      const { healthCheck, circuitMemory } = options;
      let probe: RecoveryProbe | undefined;
      const breakers = createPartnerBreakers({
        upstream,
        settings: settings.circuitBreaker,
        now,
        ...(circuitMemory ? { upstreamMemory: circuitMemory(upstream) } : {}),
        onStateChange: (scope, s, partner) => {
          if (scope === 'partner') return observer.partnerCircuitStateChanged?.(upstream, partner!, s);
          if (s === 'open' && !closed) probe?.start();
          else probe?.stop();
          observer.circuitStateChanged?.(upstream, s);
        },
      });
      if (healthPath !== undefined && healthCheck && settings.circuitBreaker.enabled) {
        probe = createRecoveryProbe({
          check: (timeoutMs, signal) => healthCheck(upstream, healthPath, timeoutMs, signal),
          intervalMs: settings.circuitBreaker.probeIntervalMs,
          onPass: () => breakers.upstream.recovered(),
        });
      }
      state = { settings, breakers, probe, budget: new RetryBudget(settings.retryBudget, now), operations: new Map() };
      states.set(upstream, state);
      // Open from the build before (a reload): say so, and probe for recovery as if it had just opened.
      const inherited = breakers.upstream.state;
      if (inherited !== 'closed') {
        observer.circuitStateChanged?.(upstream, inherited);
        if (inherited === 'open' && !closed) probe?.start();
      }
    }
    return state;
  }
  for (const name of options.upstreams ?? []) stateOf(name);

  function operationOf(state: UpstreamState, operationId: string): OperationSettings {
    let settings = state.operations.get(operationId);
    if (!settings) {
      settings = operationSettings(state.settings, config?.operations?.[operationId]);
      state.operations.set(operationId, settings);
    }
    return settings;
  }

  async function call(request: UpstreamRequest): Promise<UpstreamResponse> {
    const { upstream, operationId } = request;
    const state = stateOf(upstream);
    const { timeouts, retry } = operationOf(state, operationId);
    const { breakers, budget } = state;
    const caller = callerOf(request);
    const start = now();
    // The earlier of the pipeline's deadline and the resilience config's wins.
    const deadlineMs = Math.min(timeouts.requestMs, request.deadlineMs ?? Infinity);
    const deadlineAt = start + deadlineMs;
    // One channel and one deadline timer per call, released when the response body closes.
    const aborts = new CallAborts(request.signal, deadlineMs);
    budget.recordRequest();

    let attempt = 0;
    let lastError: unknown;

    const finish = (response: UpstreamResponse): UpstreamResponse => {
      const done = { ...response, attempts: attempt, upstreamMs: now() - start };
      aborts.releaseWhenClosed(response.body);
      observer.completed?.({ upstream, operationId, attempts: attempt, upstreamMs: done.upstreamMs, status: done.status, request });
      return done;
    };
    const fail = (err: unknown): never => {
      aborts.release();
      observer.completed?.({ upstream, operationId, attempts: attempt, upstreamMs: now() - start, request });
      throw err;
    };
    /** Takes a retry if attempts, deadline and budget allow it; says why not otherwise. */
    const mayRetry = (delayMs: number): boolean => {
      let stop: RetryStop | undefined;
      if (attempt >= retry.maxAttempts) stop = 'attempts';
      else if (breakers.refuses(caller)) stop = 'circuit';
      else if (now() + delayMs >= deadlineAt) stop = 'deadline';
      else if (!budget.tryAcquireRetry()) stop = 'budget';
      // With retries off (maxAttempts 1) there is nothing to report.
      if (stop && retry.maxAttempts > 1) observer.retryStopped?.({ upstream, operationId, stop });
      return stop === undefined;
    };
    const backoff = () => fullJitterDelay(attempt, { baseDelayMs: retry.baseDelayMs, maxDelayMs: retry.maxDelayMs, random });
    const wait = async (delayMs: number) => {
      try {
        await sleep(delayMs, aborts.signal);
      } catch (err) {
        if (aborts.reason() === 'deadline') fail(timeoutError(upstream, deadlineMs, err));
        fail(err);
      }
    };

    for (;;) {
      const admission = breakers.admit(caller);
      if (!admission.allowed) {
        observer.circuitRejected?.({ upstream, operationId, request, scope: admission.scope, partner: caller });
        if (lastError !== undefined) fail(lastError);
        return fail(circuitOpenError(upstream, admission.retryAfterMs, admission.scope));
      }
      const { ticket } = admission;
      attempt++;
      const signal = aborts.startAttempt(timeouts.headersMs);
      const attemptStart = now();
      const span = tracer.startSpan(
        `upstream ${upstream}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'concord.upstream': upstream,
            'concord.operation': operationId,
            'http.request.method': request.method,
            'concord.attempt': attempt,
          },
        },
        parentContext(request),
      );
      let response: UpstreamResponse;
      try {
        response = await inner({ ...request, signal });
        aborts.headersReceived();
      } catch (err) {
        const reason = aborts.attemptFailed();
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        if (reason === 'client') {
          breakers.ignored(ticket);
          fail(err);
        }
        const failure: AttemptFailure = reason ? 'timeout' : classifyError(err);
        // No answer at all: the upstream's trouble, whoever asked.
        breakers.failed(ticket, 'transport');
        observer.attempt?.({ upstream, operationId, attempt, failure, ms: now() - attemptStart });
        lastError =
          reason === 'deadline'
            ? timeoutError(upstream, deadlineMs, err)
            : reason === 'headers-timeout'
              ? timeoutError(upstream, timeouts.headersMs, err)
              : toGatewayError(upstream, failure, err);
        if (reason === 'deadline' || !request.retryable || !isRetryableFailure(failure, retry)) fail(lastError);
        const delayMs = backoff();
        if (!mayRetry(delayMs)) fail(lastError);
        observer.retry?.({ upstream, operationId, reason: failure, delayMs });
        await wait(delayMs);
        continue;
      }

      const { status } = response;
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      if (state.settings.circuitBreaker.failureStatuses.includes(status)) breakers.failed(ticket, 'status');
      else breakers.succeeded(ticket);
      observer.attempt?.({ upstream, operationId, attempt, status, ms: now() - attemptStart });
      if (!request.retryable || !isRetryableStatus(status, retry)) return finish(response);

      const retryAfterMs = parseRetryAfter(response.headers['retry-after'], now());
      if (retryAfterMs !== undefined && retryAfterMs > retry.maxRetryAfterMs) {
        observer.retryStopped?.({ upstream, operationId, stop: 'retry-after' });
        return finish(response);
      }
      const delayMs = Math.max(backoff(), retryAfterMs ?? 0);
      if (!mayRetry(delayMs)) return finish(response);
      lastError = undefined;
      // The connection goes back to the pool only once the body is read; a retry must not leak it.
      await response.body.dump().catch(() => {});
      observer.retry?.({ upstream, operationId, reason: String(status), delayMs });
      await wait(delayMs);
    }
  }

  return {
    call,
    breaker: (upstream) => stateOf(upstream).breakers.upstream,
    partnerBreaker: (upstream, partner) => stateOf(upstream).breakers.partner(partner),
    settings: (upstream) => stateOf(upstream).settings,
    close() {
      closed = true;
      for (const state of states.values()) state.probe?.close();
    },
  };
}

function toGatewayError(upstream: string, failure: AttemptFailure, cause: unknown): unknown {
  if (cause instanceof GatewayError) return cause;
  if (failure === 'connect') return new GatewayError('UPSTREAM_UNREACHABLE', `The ${upstream} service could not be reached.`, { cause });
  if (failure === 'timeout') return new GatewayError('UPSTREAM_TIMEOUT', `The ${upstream} service did not answer in time.`, { cause });
  return cause;
}

function timeoutError(upstream: string, ms: number, cause: unknown): GatewayError {
  return new GatewayError('UPSTREAM_TIMEOUT', `The ${upstream} service did not answer within ${ms} ms.`, { cause });
}

export function circuitOpenError(upstream: string, retryAfterMs: number, scope: BreakerScope = 'upstream'): GatewayError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const detail =
    scope === 'upstream'
      ? `The ${upstream} service is failing; the gateway stopped calling it for now. Retry later.`
      : `The ${upstream} service is failing your requests; the gateway stopped sending them to it for now. Retry later.`;
  return new GatewayError('CIRCUIT_OPEN', detail, { headers: { 'Retry-After': String(seconds) } });
}
