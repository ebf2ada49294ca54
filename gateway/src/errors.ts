/**
 * Every failure the gateway answers with is a GatewayError: a code from one union (so a
 * `switch (err.code)` narrows), an HTTP status, and a detail that is safe to show a client.
 * Only `app.onError` turns them into RFC 9457 bodies (see problem-response.ts).
 */
import type { FieldError } from '@concord/contracts/src/problem.ts';
import { PROBLEM_CATALOGUE, type ProblemCode, slugOfCode } from '@concord/contracts/src/problems/catalogue.ts';

/**
 * A gateway error names a code of the problem catalogue (contracts/src/problems/catalogue.ts), which
 * binds it once to its HTTP status, problem `type` and `title`: call sites name the code only, so a
 * code can never be sent with two statuses, and a problem outside the catalogue does not compile.
 */
export type GatewayErrorCode = ProblemCode;

export interface GatewayErrorOptions {
  cause?: unknown;
  /** Field-level errors for RFC 9457 `errors`. */
  errors?: FieldError[];
  /** Response headers the error must carry (Allow, Retry-After, WWW-Authenticate ...). */
  headers?: Record<string, string>;
  /** Extra RFC 9457 extension members. */
  extensions?: Record<string, unknown>;
}

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;

  constructor(code: GatewayErrorCode, detail: string, options: GatewayErrorOptions = {}) {
    super(detail, { cause: options.cause });
    this.name = this.constructor.name;
    this.code = code;
    this.status = PROBLEM_CATALOGUE[slugOfCode(code)].status;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }
}
