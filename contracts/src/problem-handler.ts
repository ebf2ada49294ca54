import { randomUUID } from 'node:crypto';
import type { Context, Env, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ProblemError, problem, problemResponse, type ProblemDetails } from './problem.ts';
import type { ProblemSlug } from './problems/catalogue.ts';

export interface ProblemHandlerOptions {
  /** Called for faults that are the server's own (anything that is not a ProblemError). */
  onUnexpected?: (err: unknown, c: Context) => void;
  /** Reads the request id to put into every body; defaults to the X-Request-Id header, else a new one. */
  requestId?: (c: Context) => string | undefined;
}

/** The gateway forwards its request id; a service called directly makes its own, so every problem has one. */
function defaultRequestId(c: Context): string {
  return c.req.header('x-request-id') || randomUUID();
}

/** The request's path as it came, still percent-encoded: a decoded path is no URI reference. */
function requestPath(c: Context): string {
  const url = c.req.url;
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start === -1) return '/';
  const end = url.indexOf('?', start);
  return url.slice(start, end === -1 ? undefined : end);
}

/**
 * A service names its own paths (the request's, or a resource's such as a rejected order); behind
 * the gateway the client knows them under the prefix the gateway routed by (`X-Forwarded-Prefix: /v2`).
 */
function publicInstance(c: Context, instance: string | undefined): string {
  const path = instance ?? requestPath(c);
  const prefix = c.req.header('x-forwarded-prefix');
  return prefix && path.startsWith('/') && /^(\/[A-Za-z0-9._~-]+)+$/.test(prefix) ? prefix + path : path;
}

/** Every problem leaves with the members a partner can rely on: `instance` and `request_id` included. */
function answer(c: Context, requestId: string | undefined, details: ProblemDetails, headers: Record<string, string> = {}): Response {
  const body: ProblemDetails = { ...details, instance: publicInstance(c, details.instance) };
  if (requestId) body.request_id = requestId;
  return problemResponse(body, headers);
}

const HTTP_EXCEPTION_SLUGS: Record<number, ProblemSlug> = {
  400: 'validation-error',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
};

/**
 * The one place a Hono app turns errors into RFC 9457 bodies. A client's mistake is always a 4xx
 * with a precise detail; anything unexpected is a 500 that says nothing of the internals.
 */
export function problemErrorHandler<E extends Env>(options: ProblemHandlerOptions = {}): ErrorHandler<E> {
  const requestId = options.requestId ?? defaultRequestId;
  return function onProblem(err, c) {
    const ctx = c as unknown as Context;
    const id = requestId(ctx);
    if (err instanceof ProblemError) return answer(ctx, id, err.problem, err.headers);
    const slug = err instanceof HTTPException ? HTTP_EXCEPTION_SLUGS[err.status] : undefined;
    if (slug) {
      const detail = slug === 'payload-too-large' ? 'The request body is larger than this endpoint accepts.' : err.message;
      return answer(ctx, id, problem(slug, detail || 'The request could not be processed.'));
    }
    options.onUnexpected?.(err, ctx);
    return answer(ctx, id, problem('internal-error', 'The server failed to handle the request; it has been logged with the request id.'));
  };
}

export function problemNotFoundHandler<E extends Env>(options: Pick<ProblemHandlerOptions, 'requestId'> = {}): NotFoundHandler<E> {
  const requestId = options.requestId ?? defaultRequestId;
  return function notFound(c) {
    const ctx = c as unknown as Context;
    return answer(ctx, requestId(ctx), problem('not-found', `No resource at ${c.req.method} ${new URL(c.req.url).pathname}.`));
  };
}
