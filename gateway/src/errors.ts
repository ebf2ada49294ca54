/**
 * Every failure the gateway answers with is a GatewayError: a code from one union (so a
 * `switch (err.code)` narrows), an HTTP status, and a detail that is safe to show a client.
 * Only `app.onError` turns them into RFC 9457 bodies (see problem-response.ts).
 */
import type { FieldError } from '@concord/contracts/src/problem.ts';

export type GatewayErrorCode =
  | 'ROUTE_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_ACCEPTABLE'
  | 'PAYLOAD_TOO_LARGE'
  | 'VALIDATION_FAILED'
  | 'VERSION_GONE'
  | 'UNAUTHENTICATED'
  | 'INVALID_TOKEN'
  | 'INSUFFICIENT_SCOPE'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'IDEMPOTENCY_CONFLICT'
  | 'IDEMPOTENCY_MISMATCH'
  | 'IDEMPOTENCY_KEY_INVALID'
  | 'AUTH_UNAVAILABLE'
  | 'UPSTREAM_UNREACHABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_CONTRACT_BROKEN'
  | 'CIRCUIT_OPEN'
  | 'DEPENDENCY_UNAVAILABLE'
  | 'CLIENT_CLOSED_REQUEST'
  | 'INTERNAL_ERROR';

export interface GatewayErrorOptions {
  cause?: unknown;
  /** Field-level errors for RFC 9457 `errors`. */
  errors?: FieldError[];
  /** Response headers the error must carry (Allow, Retry-After, WWW-Authenticate ...). */
  headers?: Record<string, string>;
  /** Extra RFC 9457 extension members. */
  extensions?: Record<string, unknown>;
  /** Overrides the default title of the code. */
  title?: string;
}

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;
  readonly title: string | undefined;

  constructor(code: GatewayErrorCode, status: number, detail: string, options: GatewayErrorOptions = {}) {
    super(detail, { cause: options.cause });
    this.name = this.constructor.name;
    this.code = code;
    this.status = status;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
    this.title = options.title;
  }
}

/** The problem `type` URI slug of each code; documented in docs/problems.md. */
export const PROBLEM_SLUGS: Record<GatewayErrorCode, string> = {
  ROUTE_NOT_FOUND: 'not-found',
  METHOD_NOT_ALLOWED: 'method-not-allowed',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported-media-type',
  NOT_ACCEPTABLE: 'not-acceptable',
  PAYLOAD_TOO_LARGE: 'payload-too-large',
  VALIDATION_FAILED: 'validation-error',
  VERSION_GONE: 'version-gone',
  UNAUTHENTICATED: 'unauthenticated',
  INVALID_TOKEN: 'invalid-token',
  INSUFFICIENT_SCOPE: 'insufficient-scope',
  FORBIDDEN: 'forbidden',
  RATE_LIMITED: 'rate-limited',
  IDEMPOTENCY_CONFLICT: 'idempotency-conflict',
  IDEMPOTENCY_MISMATCH: 'idempotency-key-reused',
  IDEMPOTENCY_KEY_INVALID: 'idempotency-key-invalid',
  AUTH_UNAVAILABLE: 'auth-unavailable',
  UPSTREAM_UNREACHABLE: 'upstream-unreachable',
  UPSTREAM_TIMEOUT: 'upstream-timeout',
  UPSTREAM_CONTRACT_BROKEN: 'upstream-contract-broken',
  CIRCUIT_OPEN: 'circuit-open',
  DEPENDENCY_UNAVAILABLE: 'dependency-unavailable',
  CLIENT_CLOSED_REQUEST: 'client-closed-request',
  INTERNAL_ERROR: 'internal-error',
};
