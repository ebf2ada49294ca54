/**
 * The Concord partner SDK. Typed methods for every public API version, generated from the
 * contracts; retries with backoff, idempotency keys, typed errors and pagination built in.
 */
export { createConcordClient, type ConcordClient, type ConcordClientOptions } from './client.ts';
export { apiVersions, type ConcordApis } from './generated/index.ts';
export { problemCodes, type ProblemCode } from './generated/problems.ts';
export type * from './generated/index.ts';
export {
  AuthenticationError,
  ConcordAbortError,
  ConcordApiError,
  ConcordClientError,
  ConcordConnectionError,
  ConcordError,
  ConcordServerError,
  ConcordTimeoutError,
  ConflictError,
  GoneError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitedError,
  UnprocessableEntityError,
  ValidationError,
  type ConcordErrorCategory,
  type FieldError,
  type Problem,
} from './core/errors.ts';
export { ClientCredentialsTokenProvider, StaticTokenProvider, type AccessTokenProvider, type ClientCredentials } from './core/auth.ts';
export type { Hooks, RequestEvent, ResponseEvent, RetryEvent } from './core/hooks.ts';
export type { CallOptions } from './core/operation.ts';
export type { CursorPage, PaginatedOperation } from './core/pagination.ts';
export type { RetryOptions } from './core/retry.ts';
export * from './webhooks/index.ts';
export { SDK_VERSION } from './version.ts';
