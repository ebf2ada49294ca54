/**
 * The pipeline's last step: one upstream call per request (through the UpstreamCall seam, so
 * resilience can wrap it), with the bytes already read and validated, the filtered headers and
 * an abort channel for the client's disconnect (client-signal.ts) and the deadline. The response
 * streams to the client (a small one of known length goes as bytes), unless this route adapts or
 * validates responses: then a JSON body is buffered once and shared as `responseJson`.
 *
 * Buffering is bounded by the operation's `validation.maxValidatedBytes` (1 MiB by default), so a
 * large upstream body costs the gateway at most that much memory. A JSON body over it (by its
 * Content-Length, or growing past it while read) is:
 * - with `response: report` (and no adapter): streamed to the client unvalidated, the bytes already
 *   read first and then the rest, nothing lost or reordered, and counted in
 *   concord_response_validation_skipped_total{reason="content_length"|"body_size"};
 * - with an adapter, which must parse and rewrite the whole JSON, or `response: enforce`, which
 *   promises the client only checked bodies: a 502 problem saying so (the upstream body is
 *   discarded). Raising maxValidatedBytes for that operation is the way to serve it.
 */
import { Readable } from 'node:stream';
import { isJsonMediaType, mediaTypeOf } from '@concord/contracts/src/document/openapi-document.ts';
import type { Context } from 'hono';
import type { UpstreamConfig } from '../config/schema.ts';
import type { createGatewayFactory, GatewayEnv } from '../env.ts';
import { GatewayError } from '../errors.ts';
import { readRequestBody } from '../policies/body-limit/read-body.ts';
import type { CompiledRoute } from '../route-variables.ts';
import { clientAbort } from './client-signal.ts';
import { utf8Text } from './dispatched-call.ts';
import { proxiedResponse } from '../response-headers.ts';
import { compileAllowList, downstreamHeaders, upstreamQuery, upstreamRequestHeaders } from './forward-headers.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { UpstreamCall, UpstreamResponse } from './upstream-call.ts';
import { upstreamFailure } from './upstream-failure.ts';
import { requestLogger } from '../policies/request-context/request-logger.ts';
import type { Logger } from 'pino';

export interface ProxyOptions {
  upstreams: Record<string, UpstreamConfig>;
  call: UpstreamCall;
  /** Where an upstream's 5xx body goes (its head), since the client never sees it. */
  logger: Logger;
  now: () => number;
  /** Counts responses streamed without validation because they were over maxValidatedBytes. */
  metrics?: Pick<GatewayMetrics, 'responseValidationSkipped'>;
}

/** Why a response was not validated: its declared length, or its body as it came, was over the cap. */
type SkipReason = 'content_length' | 'body_size';

const RETRYABLE_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const NO_BODY_STATUS = new Set([204, 205, 304]);
/** Upstream bodies up to this size (with a Content-Length) are forwarded as bytes, larger ones streamed. */
const MAX_BUFFERED_BYTES = 64 * 1024;

/** Whether the gateway must read the upstream body (adapter or response validation). */
function needsResponseBody(route: CompiledRoute): boolean {
  return route.adapter !== undefined || route.policies.validation.response !== 'off';
}

/** Upstream Location values name the system API's paths; the client must get the public ones. */
export function publicLocation(location: string, upstreamBasePath: string, route: CompiledRoute): string {
  if (!location.startsWith('/')) return location;
  let rest = location;
  if (upstreamBasePath && rest.startsWith(`${upstreamBasePath}/`)) rest = rest.slice(upstreamBasePath.length);
  else if (rest.startsWith(`${route.basePath}/`)) return location;
  else {
    // A service that prefixes its own version (`/v2/customers/...`): swap it for the public prefix.
    const m = /^\/v\d+(\/.*)$/.exec(rest);
    if (m) rest = m[1]!;
  }
  return route.basePath + rest;
}

/** `/customers/{customerId}` -> ['/customers/', 'customerId', ''] (literals at even, names at odd). */
function splitTemplate(template: string): string[] {
  return template.split(/\{([^}]+)\}/);
}

/**
 * The upstream path, rebuilt from the contract's template and the decoded parameters, each encoded
 * once: the system API gets a canonical path whatever encoding the client chose.
 */
export function upstreamPath(parts: readonly string[], params: Record<string, string>): string {
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) out += encodeURIComponent(params[parts[i]!] ?? '') + parts[i + 1]!;
  return out;
}

function brokeOff(route: CompiledRoute, err: unknown): GatewayError {
  return new GatewayError('UPSTREAM_UNREACHABLE', `The ${route.upstream} service broke off its response to ${route.operationId}.`, {
    cause: err,
  });
}

/** The whole upstream body; an upstream that breaks off mid-body is a 502 naming it. */
async function readWhole(res: UpstreamResponse, route: CompiledRoute): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return (await res.body.bytes()) as Uint8Array<ArrayBuffer>;
  } catch (err) {
    throw brokeOff(route, err);
  }
}

/** The whole upstream body if it is at most `maxBytes`, else undefined (what was read stays for `stream()`). */
async function readUpTo(res: UpstreamResponse, route: CompiledRoute, maxBytes: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
  try {
    return (await res.body.bytesUpTo(maxBytes)) as Uint8Array<ArrayBuffer> | undefined;
  } catch (err) {
    throw brokeOff(route, err);
  }
}

export function proxy(factory: ReturnType<typeof createGatewayFactory>, options: ProxyOptions) {
  const allowLists = new Map(Object.entries(options.upstreams).map(([name, u]) => [name, compileAllowList(u.forwardHeaders)]));
  const basePaths = new Map(Object.entries(options.upstreams).map(([name, u]) => [name, new URL(u.url).pathname.replace(/\/+$/, '')]));
  const timeouts = new Map(Object.entries(options.upstreams).map(([name, u]) => [name, u.timeoutMs]));
  const { call, metrics, logger, now } = options;

  /** A JSON body over maxValidatedBytes: streamed unvalidated under `report`, a 502 with an adapter or under `enforce`. */
  async function overCap(c: Context<GatewayEnv>, route: CompiledRoute, res: UpstreamResponse, reason: SkipReason): Promise<Response> {
    const cap = route.policies.validation.maxValidatedBytes;
    const why = reason === 'content_length' ? `declared ${res.headers['content-length']} bytes` : 'grew past that while read';
    if (route.adapter !== undefined || route.policies.validation.response === 'enforce') {
      await res.body.dump();
      const purpose = route.adapter !== undefined ? `adapts (${route.adapter})` : 'validates (response validation is enforced)';
      throw new GatewayError(
        'UPSTREAM_CONTRACT_BROKEN',
        `The ${route.upstream} service's ${res.status} response to ${route.operationId} ${why}, more than the ${cap} bytes this operation ${purpose}; it was withheld. Raise validation.maxValidatedBytes for this operation to serve it.`,
        { extensions: { upstream_status: res.status, limit_bytes: cap } },
      );
    }
    metrics?.responseValidationSkipped.inc({ api: route.api, operation: route.operationId, reason });
    // Bytes unchanged and no step replaces this response (nothing was parsed): the length stays.
    const stream = Readable.toWeb(res.body.stream()) as ReadableStream<Uint8Array>;
    return proxiedResponse(c, stream, res.status, downstreamHeaders(res.headers, true));
  }
  const templates = new WeakMap<CompiledRoute, string[]>();

  return factory.createHandlers(async function proxy(c: Context<GatewayEnv>) {
    const route = c.get('route');
    const method = c.req.method;
    const bufferResponse = needsResponseBody(route);
    let parts = templates.get(route);
    if (!parts) templates.set(route, (parts = splitTemplate(route.pathTemplate)));
    // The query as the client wrote it, less any API key the contract reads from it.
    const path = upstreamPath(parts, c.get('pathParams')) + upstreamQuery(c);
    const body = method === 'GET' || method === 'HEAD' ? null : await readRequestBody(c);
    const headers = upstreamRequestHeaders(c, { allow: allowLists.get(route.upstream)!, acceptEncoding: !bufferResponse });
    const deadlineMs = route.policies.timeoutMs ?? timeouts.get(route.upstream)!;

    const res = await call({
      upstream: route.upstream,
      operationId: route.operationId,
      method,
      path,
      headers,
      body: body ?? undefined,
      signal: clientAbort(c),
      deadlineMs,
      retryable: RETRYABLE_METHODS.has(method) || headers['idempotency-key'] !== undefined,
      stats: c.get('requestStats'),
    });

    // A 5xx body is the upstream's own business (stack traces, connection strings): logged, never sent.
    // Thrown before anything is parsed, so neither response validation nor an adapter treats the
    // gateway's problem as the upstream's answer, and idempotency never stores it (a 5xx is released).
    if (res.status >= 500) {
      throw await upstreamFailure(res, {
        upstream: route.upstream,
        operationId: route.operationId,
        log: requestLogger(c, logger),
        now: now(),
      });
    }

    const location = res.headers['location'];
    if (typeof location === 'string') res.headers['location'] = publicLocation(location, basePaths.get(route.upstream) ?? '', route);

    if (method === 'HEAD' || NO_BODY_STATUS.has(res.status)) {
      await res.body.dump().catch(() => undefined);
      return proxiedResponse(c, null, res.status, downstreamHeaders(res.headers, true));
    }

    const contentType = res.headers['content-type'];
    const mediaType = mediaTypeOf(typeof contentType === 'string' ? contentType : undefined);
    if (bufferResponse && mediaType !== undefined && isJsonMediaType(mediaType)) {
      const cap = route.policies.validation.maxValidatedBytes;
      if (Number(res.headers['content-length']) > cap) return overCap(c, route, res, 'content_length');
      const bytes = await readUpTo(res, route, cap);
      if (bytes === undefined) return overCap(c, route, res, 'body_size');
      try {
        c.set('responseJson', JSON.parse(utf8Text(bytes)));
      } catch (err) {
        if (route.policies.validation.response === 'enforce' || route.adapter) {
          throw new GatewayError(
            'UPSTREAM_CONTRACT_BROKEN',
            `The ${route.upstream} service answered ${route.operationId} with malformed JSON.`,
            { cause: err },
          );
        }
      }
      // Parsed to be checked (or adapted), sent as the bytes that came, not encoded a second time.
      // Without the upstream's Content-Length (Node sets it from the bytes): a step that replaces
      // c.res (the adapter, an enforced validation error) gets the old headers merged in by hono,
      // and a stale length would cut or stall the new body.
      return proxiedResponse(c, bytes, res.status, downstreamHeaders(res.headers, false));
    }

    if (bufferResponse) c.set('responseUnparsed', true);
    // A small body of known length is read whole and sent with its head in one write; a stream would
    // cost a web ReadableStream per response and a separate socket write for the head.
    if (Number(res.headers['content-length']) <= MAX_BUFFERED_BYTES) {
      return proxiedResponse(c, await readWhole(res, route), res.status, downstreamHeaders(res.headers, true));
    }
    const stream = Readable.toWeb(res.body.stream()) as ReadableStream<Uint8Array>;
    return proxiedResponse(c, stream, res.status, downstreamHeaders(res.headers, true));
  })[0];
}
