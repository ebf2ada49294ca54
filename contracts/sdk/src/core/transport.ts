import type { AccessTokenProvider } from './auth.ts';
import type { AttemptLimits, HttpEngine } from './http-engine.ts';
import type { CallOptions, OperationSpec } from './operation.ts';
import { resolveRetryOptions, type ResolvedRetryOptions } from './retry.ts';

/** Methods that are safe to repeat; POST and PATCH are retried only with an Idempotency-Key. */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

export interface TransportSettings {
  baseUrl: string;
  timeoutMs: number;
  deadlineMs: number;
  retry: ResolvedRetryOptions;
  headers: Record<string, string>;
  auth: AccessTokenProvider | undefined;
  randomUUID: () => string;
}

/** Turns a generated operation and its parameters into one HTTP call through the engine. */
export class Transport {
  private readonly base: string;

  constructor(
    private readonly engine: HttpEngine,
    private readonly settings: TransportSettings,
  ) {
    this.base = settings.baseUrl.replace(/\/+$/, '');
  }

  async call<Result>(spec: OperationSpec, params: object | undefined, options: CallOptions = {}): Promise<Result> {
    const values = (params ?? {}) as Record<string, unknown>;
    const url = new URL(this.base + expandPath(spec, values));
    for (const name of spec.queryParams) {
      const value = values[name];
      if (value === undefined || value === null) continue;
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(v));
    }

    const headers = new Headers({ accept: 'application/json, application/problem+json', ...this.settings.headers, ...options.headers });
    let body: string | undefined;
    if (spec.bodyContentType && values.body !== undefined) {
      headers.set('content-type', spec.bodyContentType);
      body = JSON.stringify(values.body);
    }
    if (spec.idempotencyKey) {
      // One key per call, made before the first attempt: every retry carries the same key, so the
      // server performs the operation at most once however many attempts reach it.
      headers.set('idempotency-key', options.idempotencyKey ?? this.settings.randomUUID());
    }

    const { auth } = this.settings;
    const response = await this.engine.send(
      {
        operation: `${spec.api}.${spec.operationId}`,
        method: spec.method,
        url: url.href,
        headers,
        body,
        retryable: IDEMPOTENT_METHODS.has(spec.method) || spec.idempotencyKey,
        authorize: auth ? (signal) => auth.getToken(signal) : undefined,
        onUnauthorized: auth ? (token) => auth.invalidate(token) : undefined,
      },
      this.limits(options),
    );
    return response.body as Result;
  }

  limits(options: CallOptions = {}): AttemptLimits {
    return {
      retry: options.retry ? resolveRetryOptions(options.retry, this.settings.retry) : this.settings.retry,
      timeoutMs: options.timeoutMs ?? this.settings.timeoutMs,
      deadlineMs: options.deadlineMs ?? this.settings.deadlineMs,
      signal: options.signal,
    };
  }
}

function expandPath(spec: OperationSpec, values: Record<string, unknown>): string {
  return spec.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined || value === null || value === '') {
      throw new TypeError(`${spec.api}.${spec.operationId}: the path parameter ${name} is required`);
    }
    return encodeURIComponent(String(value));
  });
}
