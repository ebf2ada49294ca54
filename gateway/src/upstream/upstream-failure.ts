/**
 * An upstream's 5xx never reaches the client as the upstream wrote it: its body may carry a stack
 * trace, a connection string or a hostname, and its headers the software it runs. The gateway
 * answers with its own problem+json instead (registry code, request id, `upstream_status`) and
 * keeps the start of the upstream's body for the log, where an operator can read it by request id.
 *
 * The status the client gets:
 * - 503 stays 503 (`dependency-unavailable`, the type the system APIs themselves use when their
 *   database or bus is away) and 504 stays 504 (`upstream-timeout`), each with the upstream's
 *   Retry-After when it is a valid one: both say "the same request may work soon", which a client's
 *   retry logic must still be able to read;
 * - every other 5xx (500, 501, 502, 505 and up) is 502 `upstream-error`: the gateway got an answer,
 *   and it was a failure the client cannot act on.
 */
import { parseRetryAfter } from '@concord/contracts/src/http/retry-after.ts';
import type { Logger } from 'pino';
import { GatewayError, type GatewayErrorCode } from '../errors.ts';
import type { UpstreamResponse } from './upstream-call.ts';

/** How much of an upstream's failure body is logged: enough for a stack trace's head, bounded per request. */
export const LOGGED_BODY_BYTES = 2048;

/** The registry code an upstream status is re-issued as. */
export function failureCode(upstreamStatus: number): GatewayErrorCode {
  if (upstreamStatus === 503) return 'DEPENDENCY_UNAVAILABLE';
  if (upstreamStatus === 504) return 'UPSTREAM_TIMEOUT';
  return 'UPSTREAM_ERROR';
}

/**
 * At most `maxBytes` of the body; the rest is not read. A body that is still coming when the cap
 * is reached is cut off (its connection closed): a failing upstream's long body is not worth a
 * pooled connection's wait.
 */
async function bodyHead(res: UpstreamResponse, maxBytes: number): Promise<{ bytes: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body.stream()) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).byteLength;
      if (size > maxBytes) break;
    }
  } catch {
    // A body that breaks off is logged as far as it came.
  }
  const all = Buffer.concat(chunks, size);
  return { bytes: all.subarray(0, maxBytes), truncated: size > maxBytes };
}

export interface UpstreamFailureContext {
  upstream: string;
  operationId: string;
  /** The request's logger (request id, trace id, operation). */
  log: Logger;
  now: number;
}

/** Reads the head of a 5xx body into the log and returns the GatewayError the client gets instead. */
export async function upstreamFailure(res: UpstreamResponse, context: UpstreamFailureContext): Promise<GatewayError> {
  const { upstream, operationId, log } = context;
  const { bytes, truncated } = await bodyHead(res, LOGGED_BODY_BYTES);
  const contentType = res.headers['content-type'];
  log.warn(
    {
      upstream,
      upstream_status: res.status,
      upstream_content_type: contentType,
      upstream_body: bytes.toString('utf8'),
      upstream_body_truncated: truncated,
    },
    `the ${upstream} service answered ${res.status}; its body is withheld from the client`,
  );
  const code = failureCode(res.status);
  const headers: Record<string, string> = {};
  if (code !== 'UPSTREAM_ERROR') {
    const raw = res.headers['retry-after'];
    const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
    if (value !== undefined && parseRetryAfter(value, context.now) !== undefined) headers['Retry-After'] = value;
  }
  const detail =
    code === 'DEPENDENCY_UNAVAILABLE'
      ? `The ${upstream} service is unavailable right now (it answered ${operationId} with 503); retry later.`
      : code === 'UPSTREAM_TIMEOUT'
        ? `The ${upstream} service timed out on a dependency of its own (it answered ${operationId} with 504); retry later.`
        : `The ${upstream} service failed to handle ${operationId} (it answered ${res.status}); the failure is logged with the request id.`;
  return new GatewayError(code, detail, { headers, extensions: { upstream_status: res.status } });
}
