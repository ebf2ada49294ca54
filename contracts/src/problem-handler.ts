import type { Context, Env, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ProblemError, problem, problemResponse } from './problem.ts';

export interface ProblemHandlerOptions {
  /** Called for faults that are the server's own (anything that is not a ProblemError). */
  onUnexpected?: (err: unknown, c: Context) => void;
  /** Reads the request id to put into every body; defaults to the X-Request-Id header. */
  requestId?: (c: Context) => string | undefined;
}

function defaultRequestId(c: Context): string | undefined {
  return c.req.header('x-request-id') ?? undefined;
}

/**
 * The one place a Hono app turns errors into RFC 9457 bodies. A client's mistake is always a 4xx
 * with a precise detail; anything unexpected is a 500 that says nothing of the internals.
 */
export function problemErrorHandler<E extends Env>(options: ProblemHandlerOptions = {}): ErrorHandler<E> {
  const requestId = options.requestId ?? defaultRequestId;
  return function onProblem(err, c) {
    const id = requestId(c as unknown as Context);
    const withId = id ? { request_id: id } : {};
    if (err instanceof ProblemError) {
      return problemResponse({ ...err.problem, ...withId }, err.headers);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const detail =
        status === 413 ? 'The request body is larger than this endpoint accepts.' : err.message || 'The request could not be processed.';
      return problemResponse(problem(status, detail, withId));
    }
    options.onUnexpected?.(err, c as unknown as Context);
    return problemResponse(problem(500, 'The server failed to handle the request; it has been logged.', withId));
  };
}

export function problemNotFoundHandler<E extends Env>(options: Pick<ProblemHandlerOptions, 'requestId'> = {}): NotFoundHandler<E> {
  const requestId = options.requestId ?? defaultRequestId;
  return function notFound(c) {
    const id = requestId(c as unknown as Context);
    return problemResponse(problem(404, `No resource at ${c.req.method} ${new URL(c.req.url).pathname}.`, id ? { request_id: id } : {}));
  };
}
