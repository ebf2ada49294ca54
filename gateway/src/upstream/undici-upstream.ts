/**
 * The network end of the UpstreamCall seam: one undici keep-alive Pool per configured upstream.
 * Failures become GatewayErrors here, once: a refused or reset connection is 502
 * UPSTREAM_UNREACHABLE, any timeout (connect, headers, the request's deadline) is 504
 * UPSTREAM_TIMEOUT, a client that went away is CLIENT_CLOSED_REQUEST.
 */
import { Pool } from 'undici';
import type { UpstreamConfig } from '../config/schema.ts';
import { GatewayError } from '../errors.ts';
import { dispatchCall } from './dispatched-call.ts';
import type { UpstreamCall, UpstreamRequest } from './upstream-call.ts';

interface UpstreamTarget {
  pool: Pool;
  /** A path in the configured URL, prefixed to every request path ('' when none). */
  basePath: string;
  origin: string;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

export function toUpstreamError(err: unknown, request: UpstreamRequest): GatewayError {
  if (err instanceof GatewayError) return err;
  const e = err as { name?: string; code?: string; cause?: { code?: string } };
  const name = request.upstream;
  if (e?.name === 'TimeoutError' || TIMEOUT_CODES.has(e?.code ?? '') || TIMEOUT_CODES.has(e?.cause?.code ?? '')) {
    return new GatewayError('UPSTREAM_TIMEOUT', `The ${name} service did not answer ${request.operationId} in time.`, { cause: err });
  }
  if (request.signal.aborted || e?.name === 'AbortError' || e?.code === 'UND_ERR_ABORTED') {
    return new GatewayError('CLIENT_CLOSED_REQUEST', 'The client closed the request before the upstream answered.', { cause: err });
  }
  return new GatewayError('UPSTREAM_UNREACHABLE', `The ${name} service could not be reached.`, { cause: err });
}

export interface UndiciUpstream {
  call: UpstreamCall;
  /** Waits for in-flight requests (and their bodies), then closes every pool. */
  close(): Promise<void>;
}

export function createUndiciUpstream(upstreams: Record<string, UpstreamConfig>): UndiciUpstream {
  const targets = new Map<string, UpstreamTarget>();
  for (const [name, config] of Object.entries(upstreams)) {
    const url = new URL(config.url);
    targets.set(name, {
      origin: url.origin,
      basePath: url.pathname.replace(/\/+$/, ''),
      pool: new Pool(url.origin, {
        connections: config.connections,
        keepAliveTimeout: config.keepAliveTimeoutMs,
        connect: { timeout: config.connectTimeoutMs },
        // Backstops; the request's own deadline (the signal) is normally shorter.
        headersTimeout: config.timeoutMs,
        bodyTimeout: config.timeoutMs,
      }),
    });
  }

  async function call(request: UpstreamRequest) {
    const target = targets.get(request.upstream);
    if (!target) throw new Error(`No upstream named ${request.upstream}`);
    const started = performance.now();
    try {
      const res = await dispatchCall(
        target.pool,
        {
          method: request.method as 'GET',
          path: target.basePath + request.path,
          headers: request.headers,
          body: request.body ?? null,
          // Without the resilient upstream around it (tests), the pipeline's deadline still bounds the call.
          ...(request.deadlineMs !== undefined ? { headersTimeout: request.deadlineMs, bodyTimeout: request.deadlineMs } : {}),
        },
        request.signal,
      );
      return { status: res.status, headers: res.headers, body: res.body, attempts: 1, upstreamMs: performance.now() - started };
    } catch (err) {
      throw toUpstreamError(err, request);
    }
  }

  return {
    call,
    async close() {
      await Promise.all([...targets.values()].map((t) => t.pool.close().catch(() => undefined)));
    },
  };
}
