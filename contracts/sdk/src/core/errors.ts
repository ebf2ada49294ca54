import type { ProblemCode } from '../generated/problems.ts';

/**
 * Every failure the SDK reports is a ConcordError with a `category` from one union, so
 * `switch (err.category)` narrows, and `instanceof` works per status family. Its `code` is the
 * API's own problem code when the API sent one (`INSUFFICIENT_SCOPE`, `EMAIL_ALREADY_EXISTS`: one of
 * `problemCodes`, generated from the API's problem catalogue), else the category:
 *
 *   ConcordError
 *   ├── ConcordApiError            the API answered with an error (RFC 9457 problem+json)
 *   │   ├── ConcordClientError     4xx: ValidationError, AuthenticationError, PermissionDeniedError,
 *   │   │                          NotFoundError, ConflictError, GoneError, UnprocessableEntityError,
 *   │   │                          RateLimitedError
 *   │   └── ConcordServerError     5xx
 *   ├── ConcordConnectionError     no answer: connection refused, reset or dropped
 *   ├── ConcordTimeoutError        the per-attempt timeout or the overall deadline passed
 *   └── ConcordAbortError          the caller's AbortSignal fired
 */

export type ConcordErrorCategory =
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'GONE'
  | 'UNPROCESSABLE'
  | 'RATE_LIMITED'
  | 'CLIENT_ERROR'
  | 'SERVER_ERROR'
  | 'CONNECTION_FAILED'
  | 'TIMEOUT'
  | 'ABORTED';

/** One invalid field of a request, as the API reports it in `errors`. */
export interface FieldError {
  /** JSON Pointer into the request, rooted at `/body`, `/query`, `/path` or `/headers`. */
  pointer: string;
  message: string;
}

/** An RFC 9457 problem details body. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  request_id?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export abstract class ConcordError extends Error {
  abstract readonly category: ConcordErrorCategory;
  /** The problem's `code` for an API error that has one; the category otherwise. */
  get code(): string {
    return this.category;
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = this.constructor.name;
  }
}

export interface ApiErrorInit {
  status: number;
  problem: Problem;
  headers: Headers;
  /** The operation that failed (`customers.v2.getCustomer`), or `oauth.token`. */
  operation: string;
}

/** The API answered with a non-2xx status. Carries the problem details and the request id to quote to support. */
export class ConcordApiError extends ConcordError {
  readonly category: ConcordErrorCategory = 'CLIENT_ERROR';
  readonly status: number;
  /** The problem type URI: branch on this, not on `detail`. */
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly instance: string | undefined;
  /** One entry per invalid field (validation errors); empty otherwise. */
  readonly errors: FieldError[];
  /** `X-Request-Id` of the failed request (or the problem's `request_id`). */
  readonly requestId: string | undefined;
  readonly problem: Problem;
  readonly headers: Headers;
  readonly operation: string;

  constructor(init: ApiErrorInit) {
    const { problem } = init;
    super(`${init.operation}: ${init.status} ${problem.title}${problem.detail ? ` - ${problem.detail}` : ''}`);
    this.status = init.status;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.instance = problem.instance;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.requestId = init.headers.get('x-request-id') ?? problem.request_id;
    this.problem = problem;
    this.headers = init.headers;
    this.operation = init.operation;
  }

  /** The API's problem code (`INSUFFICIENT_SCOPE`), so the SDK and the API speak one vocabulary. */
  override get code(): ProblemCode | ConcordErrorCategory {
    return typeof this.problem.code === 'string' && this.problem.code !== '' ? (this.problem.code as ProblemCode) : this.category;
  }
}

export class ConcordClientError extends ConcordApiError {
  override readonly category: ConcordErrorCategory = 'CLIENT_ERROR';
}
export class ValidationError extends ConcordClientError {
  override readonly category = 'VALIDATION_FAILED' as const;
}
export class AuthenticationError extends ConcordClientError {
  override readonly category = 'UNAUTHENTICATED' as const;
}
export class PermissionDeniedError extends ConcordClientError {
  override readonly category = 'FORBIDDEN' as const;
}
export class NotFoundError extends ConcordClientError {
  override readonly category = 'NOT_FOUND' as const;
}
export class ConflictError extends ConcordClientError {
  override readonly category = 'CONFLICT' as const;
}
/** The API version is past its sunset date; `problem.successor` names the version to move to. */
export class GoneError extends ConcordClientError {
  override readonly category = 'GONE' as const;
}
export class UnprocessableEntityError extends ConcordClientError {
  override readonly category = 'UNPROCESSABLE' as const;
}
export class RateLimitedError extends ConcordClientError {
  override readonly category = 'RATE_LIMITED' as const;
  /** How long the API asked to wait, in milliseconds, when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(init: ApiErrorInit & { retryAfterMs?: number | undefined }) {
    super(init);
    this.retryAfterMs = init.retryAfterMs;
  }
}
export class ConcordServerError extends ConcordApiError {
  override readonly category = 'SERVER_ERROR' as const;
}

/** No HTTP answer at all: the connection was refused, reset, or dropped before a response. */
export class ConcordConnectionError extends ConcordError {
  readonly category = 'CONNECTION_FAILED' as const;
  constructor(
    readonly operation: string,
    options: { cause?: unknown },
  ) {
    super(`${operation}: connection failed${describeCause(options.cause)}`, options);
  }
}

export class ConcordTimeoutError extends ConcordError {
  readonly category = 'TIMEOUT' as const;
  constructor(
    readonly operation: string,
    /** `attempt`: one request took longer than `timeoutMs`; `deadline`: the call with its retries outlived `deadlineMs`. */
    readonly kind: 'attempt' | 'deadline',
    readonly afterMs: number,
    options?: { cause?: unknown },
  ) {
    super(`${operation}: ${kind === 'attempt' ? 'request timed out' : 'deadline exceeded'} after ${afterMs} ms`, options);
  }
}

export class ConcordAbortError extends ConcordError {
  readonly category = 'ABORTED' as const;
  constructor(
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation}: aborted by the caller`, options);
  }
}

const BY_STATUS: Record<number, new (init: ApiErrorInit) => ConcordApiError> = {
  400: ValidationError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  410: GoneError,
  422: UnprocessableEntityError,
};

/** The error class for an error status: the specific class where there is one, else the family. */
export function apiErrorFor(init: ApiErrorInit & { retryAfterMs?: number | undefined }): ConcordApiError {
  if (init.status === 429) return new RateLimitedError(init);
  const specific = BY_STATUS[init.status];
  if (specific) return new specific(init);
  return init.status >= 500 ? new ConcordServerError(init) : new ConcordClientError(init);
}

/**
 * Whatever the body was, a problem: problem+json as it is; an OAuth error (`{ error, error_description }`,
 * RFC 6749 section 5.2) or any other body mapped onto the problem fields.
 */
export function toProblem(status: number, statusText: string, body: unknown): Problem {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    if (typeof b.title === 'string' || typeof b.type === 'string') {
      return {
        ...b,
        type: typeof b.type === 'string' ? b.type : 'about:blank',
        title: typeof b.title === 'string' ? b.title : statusText,
        status,
      } as Problem;
    }
    if (typeof b.error === 'string') {
      return {
        type: 'about:blank',
        title: b.error,
        status,
        ...(typeof b.error_description === 'string' ? { detail: b.error_description } : {}),
        error: b.error,
      };
    }
  }
  const detail = typeof body === 'string' && body.length > 0 ? body.slice(0, 500) : undefined;
  return { type: 'about:blank', title: statusText || `HTTP ${status}`, status, ...(detail ? { detail } : {}) };
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return '';
  const inner = (cause as Error & { cause?: unknown }).cause;
  const code = inner && typeof inner === 'object' && 'code' in inner ? String((inner as { code: unknown }).code) : undefined;
  return code ? ` (${code})` : ` (${cause.message})`;
}
