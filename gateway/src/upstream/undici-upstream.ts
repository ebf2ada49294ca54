/**
 * The network end of the UpstreamCall seam: one undici keep-alive Pool per configured upstream.
 * Failures become GatewayErrors here, once: a refused or reset connection is 502
 * UPSTREAM_UNREACHABLE, any timeout (connect, headers, the request's deadline) is 504
 * UPSTREAM_TIMEOUT, a client that went away is CLIENT_CLOSED_REQUEST, and a credential the gateway
 * could not obtain for the upstream (`auth`) is 502 UPSTREAM_AUTH_FAILED.
 *
 * The upstream's own credential is added here, per attempt, so a retry after a token refresh goes
 * out with the new token.
 */
import type { Logger } from 'pino';
import { Agent, Pool } from 'undici';
import type { UpstreamConfig } from '../config/schema.ts';
import { GatewayError } from '../errors.ts';
import { dispatchCall } from './dispatched-call.ts';
import type { UpstreamCall, UpstreamRequest } from './upstream-call.ts';
import { createUpstreamCredential, type UpstreamCredential } from './upstream-credentials.ts';

interface UpstreamTarget {
  pool: Pool;
  /** A path in the configured URL, prefixed to every request path ('' when none). */
  basePath: string;
  origin: string;
  credential: UpstreamCredential | undefined;
}

export interface UndiciUpstreamOptions {
  /** Epoch milliseconds, for token lifetimes; Date.now by default. */
  now?: () => number;
  /** Where a failed background token refresh is reported (the current token keeps serving). */
  logger?: Pick<Logger, 'warn'>;
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

export function createUndiciUpstream(upstreams: Record<string, UpstreamConfig>, options: UndiciUpstreamOptions = {}): UndiciUpstream {
  const targets = new Map<string, UpstreamTarget>();
  // One small agent for every token endpoint, only when some upstream fetches tokens.
  const needsTokens = Object.values(upstreams).some((u) => u.auth?.type === 'oauth2ClientCredentials');
  const tokenAgent = needsTokens ? new Agent({ connections: 4 }) : undefined;
  for (const [name, config] of Object.entries(upstreams)) {
    const url = new URL(config.url);
    const credential = config.auth
      ? createUpstreamCredential(name, config.auth, {
          ...(options.now ? { now: options.now } : {}),
          ...(tokenAgent ? { dispatcher: tokenAgent } : {}),
          onRefreshFailed: (err) => options.logger?.warn({ upstream: name, err: err.cause ?? err }, err.message),
        })
      : undefined;
    targets.set(name, {
      credential,
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
    let headers = request.headers;
    try {
      if (target.credential) {
        const applied = target.credential.apply(headers);
        headers = applied instanceof Promise ? await applied : applied;
      }
      const res = await dispatchCall(
        target.pool,
        {
          method: request.method as 'GET',
          path: target.basePath + request.path,
          headers,
          body: request.body ?? null,
          // Without the resilient upstream around it (tests), the pipeline's deadline still bounds the call.
          ...(request.deadlineMs !== undefined ? { headersTimeout: request.deadlineMs, bodyTimeout: request.deadlineMs } : {}),
        },
        request.signal,
      );
      if (res.status === 401) target.credential?.refused(headers);
      return { status: res.status, headers: res.headers, body: res.body, attempts: 1, upstreamMs: performance.now() - started };
    } catch (err) {
      throw toUpstreamError(err, request);
    }
  }

  return {
    call,
    async close() {
      await Promise.all([...targets.values()].map((t) => t.pool.close().catch(() => undefined)));
      await Promise.all([...targets.values()].map((t) => t.credential?.close()));
      await tokenAgent?.close();
    },
  };
}
