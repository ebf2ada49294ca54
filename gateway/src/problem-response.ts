/**
 * The ONE place errors become responses: every GatewayError, every stray Error and every non-Error
 * turns into RFC 9457 problem+json carrying the request id. Wired as app.onError and app.notFound;
 * nothing else formats an error body.
 */
import { PROBLEM_CONTENT_TYPE, problem, type ProblemDetails } from '@concord/contracts/src/problem.ts';
import { slugOfCode } from '@concord/contracts/src/problems/catalogue.ts';
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { GatewayDeps } from './deps.ts';
import type { GatewayEnv } from './env.ts';
import { GatewayError } from './errors.ts';
import { requestLogger } from './policies/request-context/request-logger.ts';

export function problemBody(err: GatewayError, requestId: string | undefined, instance: string): ProblemDetails {
  const body = problem(slugOfCode(err.code), err.message, { instance, errors: err.errors, extensions: err.extensions });
  if (requestId) body.request_id = requestId;
  return body;
}

function toGatewayError(err: unknown): GatewayError | undefined {
  if (err instanceof GatewayError) return err;
  if (err instanceof HTTPException && err.status === 413) {
    return new GatewayError('PAYLOAD_TOO_LARGE', 'The request body is larger than this endpoint accepts.', { cause: err });
  }
  return undefined;
}

/**
 * The request's path as it came, still percent-encoded: `c.req.path` is decoded, and a decoded path
 * (a space, an emoji, a NUL) is no URI reference, which is what `instance` must be.
 */
function encodedPath(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start === -1) return '/';
  const end = url.indexOf('?', start);
  return url.slice(start, end === -1 ? undefined : end);
}

function respond(c: Context<GatewayEnv>, err: GatewayError): Response {
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store', ...err.headers };
  const requestId = c.get('requestId');
  if (requestId) headers['x-request-id'] = requestId;
  return new Response(JSON.stringify(problemBody(err, requestId, encodedPath(c.req.url))), { status: err.status, headers });
}

export function createErrorHandler(deps: Pick<GatewayDeps, 'logger'>): ErrorHandler<GatewayEnv> {
  return function onGatewayError(err, c) {
    const known = toGatewayError(err);
    if (known) {
      if (known.status >= 500)
        requestLogger(c, deps.logger).warn({ err: known.cause ?? known, code: known.code, status: known.status }, known.message);
      return respond(c, known);
    }
    requestLogger(c, deps.logger).error({ err }, 'unexpected error while handling the request');
    const internal = new GatewayError(
      'INTERNAL_ERROR',
      'The gateway failed to handle the request; it has been logged with the request id.',
    );
    return respond(c, internal);
  };
}

export function createNotFoundHandler(): NotFoundHandler<GatewayEnv> {
  return function notFound(c) {
    return respond(c, new GatewayError('NOT_FOUND', `No API operation at ${c.req.path}.`));
  };
}

/** For the gateway's own endpoints: any method but those in `allow` is a 405 with `Allow`. */
export function methodNotAllowed(allow: string) {
  return function methodNotAllowed(c: Context<GatewayEnv>): Response {
    throw new GatewayError('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${c.req.path}; use ${allow}.`, {
      headers: { Allow: allow },
    });
  };
}
