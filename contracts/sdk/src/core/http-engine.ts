import {
  ConcordAbortError,
  ConcordConnectionError,
  ConcordTimeoutError,
  apiErrorFor,
  toProblem,
  type ConcordApiError,
  type ConcordError,
} from './errors.ts';
import type { Hooks } from './hooks.ts';
import { RETRYABLE_STATUSES, backoffDelay, serverRequestedDelay, type ResolvedRetryOptions } from './retry.ts';

/** What the engine needs from the outside world; tests replace any of them. */
export interface EngineRuntime {
  fetch: typeof globalThis.fetch;
  /** Uniform in [0, 1); the jitter source. */
  random: () => number;
  /** Epoch ms. */
  now: () => number;
  /** Waits `ms`, or rejects with the signal's reason when it aborts first. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface AttemptLimits {
  retry: ResolvedRetryOptions;
  /** One attempt (connect, send, read the whole answer) may take this long. */
  timeoutMs: number;
  /** The whole call, retries and waits included, may take this long. */
  deadlineMs: number;
  signal?: AbortSignal | undefined;
}

export interface EngineRequest {
  /** `customers.v2.getCustomer`: names the call in errors and hooks. */
  operation: string;
  method: string;
  url: string;
  /** Sent on every attempt as they are: an Idempotency-Key set here is reused by every retry. */
  headers: Headers;
  body?: string | undefined;
  /** False for a POST or PATCH without an Idempotency-Key: the first attempt may have taken effect. */
  retryable: boolean;
  /** Adds `Authorization` before each attempt, so a retry after a refresh carries the new token. */
  authorize?: ((signal: AbortSignal | undefined) => Promise<string>) | undefined;
  /** Called once on a 401, so the next attempt fetches a new token. */
  onUnauthorized?: ((token: string) => void) | undefined;
}

export interface EngineResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, text, or undefined for an empty body. */
  body: unknown;
}

export const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Sends one logical call: attempts, retries with backoff, the deadline, the caller's abort signal,
 * hooks, and the mapping of every failure to a ConcordError.
 */
export class HttpEngine {
  constructor(
    private readonly runtime: EngineRuntime,
    private readonly hooks: Hooks,
  ) {}

  async send(request: EngineRequest, limits: AttemptLimits): Promise<EngineResponse> {
    const { runtime } = this;
    const started = runtime.now();
    const deadline = started + limits.deadlineMs;
    let refreshedAuth = false;

    for (let attempt = 1; ; attempt++) {
      const retriesLeft = request.retryable && attempt <= limits.retry.maxRetries;
      let failure: ConcordError;
      let serverDelay: number | undefined;
      // A token failure has been retried by the token request itself; it ends the call.
      const token = request.authorize ? await request.authorize(limits.signal) : undefined;
      if (token !== undefined) request.headers.set('authorization', `Bearer ${token}`);
      try {
        const response = await this.attempt(request, attempt, limits, deadline);
        if (response.status < 400) return response;
        if (response.status === 401 && token !== undefined && request.onUnauthorized && !refreshedAuth) {
          // The token may have been revoked or rotated before its expiry: one fresh token, at once.
          refreshedAuth = true;
          request.onUnauthorized(token);
          attempt--;
          continue;
        }
        serverDelay = serverRequestedDelay(response.headers, runtime.now());
        failure = apiErrorFor({
          status: response.status,
          problem: toProblem(response.status, '', response.body),
          headers: response.headers,
          operation: request.operation,
          retryAfterMs: serverDelay,
        });
        if (!RETRYABLE_STATUSES.has(response.status)) throw failure;
      } catch (err) {
        if (!isRetryableFailure(err)) throw err;
        failure = err;
      }

      if (!retriesLeft) throw failure;
      const backoff = backoffDelay(attempt - 1, limits.retry, runtime.random);
      if (serverDelay !== undefined && serverDelay > limits.retry.maxServerDelayMs) throw failure;
      // Retry-After is a minimum: never sooner, but keep the jitter when it is the longer wait.
      const delay = Math.max(serverDelay ?? 0, backoff);
      if (runtime.now() + delay >= deadline) throw failure;
      this.hook('onRetry', {
        operation: request.operation,
        method: request.method,
        url: request.url,
        attempt,
        delayMs: delay,
        reason: failure.category,
        status: 'status' in failure ? (failure as ConcordApiError).status : undefined,
        error: failure,
      });
      try {
        await runtime.sleep(delay, limits.signal);
      } catch (reason) {
        throw new ConcordAbortError(request.operation, { cause: reason });
      }
    }
  }

  private async attempt(request: EngineRequest, attempt: number, limits: AttemptLimits, deadline: number): Promise<EngineResponse> {
    const { runtime } = this;
    const remaining = deadline - runtime.now();
    if (remaining <= 0) throw new ConcordTimeoutError(request.operation, 'deadline', limits.deadlineMs);
    const kind: 'attempt' | 'deadline' = limits.timeoutMs <= remaining ? 'attempt' : 'deadline';
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new ConcordTimeoutError(request.operation, kind, kind === 'attempt' ? limits.timeoutMs : limits.deadlineMs)),
      Math.min(limits.timeoutMs, remaining),
    );
    const onCallerAbort = () => controller.abort(new ConcordAbortError(request.operation, { cause: limits.signal?.reason }));
    if (limits.signal?.aborted) onCallerAbort();
    else limits.signal?.addEventListener('abort', onCallerAbort, { once: true });

    const sentAt = runtime.now();
    this.hook('onRequest', {
      operation: request.operation,
      method: request.method,
      url: request.url,
      attempt,
      headers: redacted(request.headers),
    });
    try {
      const response = await runtime.fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body ?? null,
        signal: controller.signal,
        redirect: 'follow',
      });
      const text = await response.text();
      const result: EngineResponse = {
        status: response.status,
        headers: response.headers,
        body: parseBody(text, response.headers.get('content-type')),
      };
      this.hook('onResponse', {
        operation: request.operation,
        method: request.method,
        url: request.url,
        attempt,
        status: response.status,
        durationMs: runtime.now() - sentAt,
        requestId: response.headers.get('x-request-id') ?? undefined,
      });
      return result;
    } catch (err) {
      if (controller.signal.aborted) throw controller.signal.reason;
      throw new ConcordConnectionError(request.operation, { cause: err });
    } finally {
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  private hook<K extends keyof Hooks>(name: K, event: Parameters<NonNullable<Hooks[K]>>[0]): void {
    const hook = this.hooks[name] as ((e: typeof event) => void) | undefined;
    if (!hook) return;
    try {
      hook(event);
    } catch {
      // A logging hook must never change the outcome of a call.
    }
  }
}

function isRetryableFailure(err: unknown): err is ConcordError {
  return err instanceof ConcordConnectionError || (err instanceof ConcordTimeoutError && err.kind === 'attempt');
}

function parseBody(text: string, contentType: string | null): unknown {
  if (text.length === 0) return undefined;
  if (contentType && /[/+]json\b/i.test(contentType)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function redacted(headers: Headers): Headers {
  const copy = new Headers(headers);
  if (copy.has('authorization')) copy.set('authorization', copy.get('authorization')!.replace(/^(\w+)\s.+$/, '$1 [redacted]'));
  return copy;
}
