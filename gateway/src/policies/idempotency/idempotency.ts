import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { IdempotencyConfig } from '../../config/resilience-schema.ts';
import type { createGatewayFactory, GatewayEnv } from '../../env.ts';
import { GatewayError } from '../../errors.ts';
import { requestHeader } from '../../request-headers.ts';
import { readRequestBody } from '../body-limit/read-body.ts';
import type { GatewayMetrics } from '../../observability/metrics.ts';
import { stateChangeLog } from '../../observability/state-change-log.ts';
import type { CompiledRoute } from '../../route-variables.ts';
import { parseIdempotencyKey, requestFingerprint } from './fingerprint.ts';
import type { BeginResult, IdempotencyStore, StoredResponse } from './idempotency-store.ts';

/**
 * Idempotency-Key (IETF httpapi draft) for POST and PATCH on operations whose contract declares the
 * header. The first request with a key runs and its response is stored; a repeat with the same
 * fingerprint gets that response replayed (`Idempotent-Replayed: true`) without reaching the
 * upstream; a repeat with another payload is 422; a repeat while the first still runs is 409.
 * Keys are scoped per partner. Responses that say "try again" (5xx, 408, 425, 429) are not
 * stored: the key is released so the client's retry runs for real.
 *
 * When the store is down or slower than `storeTimeoutMs`, `onStoreDown` decides: `fail-closed`
 * answers 503 without running the request; `fail-open` runs it without the gateway's record (the
 * Idempotency-Key still goes upstream, where the service's own per-partner keys keep a retry from
 * doing the work twice). Either way each failure is counted and the state change logged once.
 */
export const REPLAYED_HEADER = 'idempotent-replayed';

/** Per-request or per-hop headers that must not be replayed from another request. */
const NOT_REPLAYED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'date',
  'x-request-id',
  'traceparent',
  'tracestate',
  'ratelimit',
  'ratelimit-policy',
  'retry-after',
  'set-cookie',
  'deprecation',
  'sunset',
  'link',
  'vary',
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-expose-headers',
]);
// Transient answers: the client is expected to retry them, so the retry must run for real. (An
// upstream 409 is kept: orders answers 409 for a recorded, rejected order, and a replay must say so.)
const NOT_STORED = new Set([408, 425, 429]);

export interface IdempotencyOptions {
  config: IdempotencyConfig;
  store: IdempotencyStore;
  logger: Logger;
  metrics?: Pick<GatewayMetrics, 'idempotentReplays' | 'idempotencyOutcomes' | 'idempotencyStoreFailures'>;
  /** The request bytes (those validated and forwarded); readRequestBody, the pipeline's one reader, by default. */
  readBody?: (c: Context<GatewayEnv>) => Promise<Uint8Array | null>;
}

const applies = new WeakMap<CompiledRoute, boolean>();
/** Whether the step has work on the route: a POST or PATCH whose contract declares the header. */
export function declaresIdempotencyKey(route: CompiledRoute): boolean {
  let yes = applies.get(route);
  if (yes === undefined) {
    yes =
      (route.method.toUpperCase() === 'POST' || route.method.toUpperCase() === 'PATCH') &&
      route.operation.parameters.some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key');
    applies.set(route, yes);
  }
  return yes;
}

export function idempotency(factory: ReturnType<typeof createGatewayFactory>, options: IdempotencyOptions) {
  const { config, store, logger, metrics } = options;
  const readBody = options.readBody ?? readRequestBody;
  const ttlMs = config.ttlSeconds * 1000;
  const inFlightTtlMs = config.inFlightTtlSeconds * 1000;
  const failOpen = config.onStoreDown === 'fail-open';
  // One line when the store goes and one when it answers again, not one per request.
  const storeState = stateChangeLog({
    logger,
    fields: { dependency: store.kind, component: 'idempotency', behaviour: config.onStoreDown },
    downMessage: failOpen
      ? 'idempotency store unavailable; running keyed requests without the gateway record (onStoreDown: fail-open)'
      : 'idempotency store unavailable; answering keyed requests 503 (onStoreDown: fail-closed)',
    upMessage: 'idempotency store available again',
  });
  const storeFailed = (err: unknown) => {
    metrics?.idempotencyStoreFailures.inc({ behaviour: config.onStoreDown });
    storeState.down(err);
  };

  return factory.createMiddleware(async function idempotency(c, next) {
    const route = c.get('route');
    if (!config.enabled || !route || !declaresIdempotencyKey(route)) return next();
    // requestHeader, not c.req.header: under @hono/node-server the latter copies every request
    // header into a Web Headers first (measured on every POST /v1/orders).
    const header = requestHeader(c, 'idempotency-key');
    if (header === undefined) return next();
    const key = parseIdempotencyKey(header);
    const partner = c.get('principal')?.clientId ?? 'anonymous';
    const url = new URL(c.req.url);
    const fingerprint = requestFingerprint(c.req.method, url.pathname + url.search, requestHeader(c, 'content-type'), await readBody(c));
    const storeKey = `${encodeURIComponent(partner)}:${key}`;
    const count = (outcome: string) => metrics?.idempotencyOutcomes.inc({ api: route.api, operation: route.operationId, outcome });

    const beginning = store.begin(storeKey, fingerprint, inFlightTtlMs);
    let begun: BeginResult;
    try {
      begun = await bounded(beginning, config.storeTimeoutMs);
      storeState.up();
    } catch (cause) {
      // A begin that took the key after the deadline would hold it for inFlightTtlSeconds, and the
      // client's retry would get 409s: free it as soon as it lands.
      beginning.then((late) => (late.state === 'acquired' ? store.release(storeKey, late.token) : undefined)).catch(() => undefined);
      storeFailed(cause);
      if (failOpen) {
        count('bypassed');
        return next();
      }
      count('store_unavailable');
      throw new GatewayError('DEPENDENCY_UNAVAILABLE', 'Idempotency records are unavailable; retry later.', {
        cause,
        headers: { 'Retry-After': '1' },
      });
    }
    if (begun.state !== 'acquired') {
      if (begun.fingerprint !== fingerprint) {
        count('mismatch');
        throw new GatewayError(
          'IDEMPOTENCY_MISMATCH',
          'This Idempotency-Key was already used with a different request; use a new key for a new request.',
        );
      }
      if (begun.state === 'in-flight') {
        count('conflict');
        throw new GatewayError('IDEMPOTENCY_CONFLICT', 'A request with this Idempotency-Key is still being processed; retry later.', {
          headers: { 'Retry-After': '1' },
        });
      }
      count('replayed');
      metrics?.idempotentReplays.inc({ api: route.api, operation: route.operationId, partner });
      return replay(begun.response);
    }

    let stored = false;
    try {
      await next();
      const captured = await capture(c, config.maxResponseBytes);
      if (captured) {
        try {
          await bounded(store.complete(storeKey, begun.token, fingerprint, captured, ttlMs), config.storeTimeoutMs);
          stored = true;
          count('stored');
        } catch (err) {
          // The work is done: the client gets its response. The key stays locked until its in-flight
          // TTL, so a duplicate meanwhile gets 409 rather than running twice.
          stored = true;
          count('store_failed');
          storeFailed(err);
        }
      }
    } finally {
      if (!stored) {
        count('released');
        // If releasing fails, the key stays locked until its in-flight TTL (a retry meanwhile gets 409).
        await bounded(store.release(storeKey, begun.token), config.storeTimeoutMs).catch(storeFailed);
      }
    }
  });
}

function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`idempotency store did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Buffers the response to store it (replacing c.res with the same bytes) and returns what to store,
 * if storable. The size is checked while reading: past maxBytes it stops buffering and c.res becomes
 * the bytes read so far followed by the rest of the original body as it comes, so the client still
 * gets every byte in order and the gateway never holds more than maxBytes (plus one chunk) of it.
 */
async function capture(c: Context<GatewayEnv>, maxBytes: number): Promise<StoredResponse | undefined> {
  const res = c.res;
  if (res.status >= 500 || NOT_STORED.has(res.status)) return undefined;
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > maxBytes) return undefined;
  const headers = new Headers(res.headers);
  const read = res.body ? await readUpTo(res.body, maxBytes) : { chunks: [], size: 0, rest: undefined };
  if (read.rest) {
    c.res = new Response(prepended(read.chunks, read.rest), { status: res.status, headers });
    return undefined;
  }
  const bytes = concat(read.chunks, read.size);
  c.res = new Response(bytes.byteLength ? (bytes as Uint8Array<ArrayBuffer>) : null, { status: res.status, headers });
  const kept: [string, string][] = [];
  headers.forEach((value, name) => {
    if (!NOT_REPLAYED.has(name)) kept.push([name, value]);
  });
  return { status: res.status, headers: kept, body: Buffer.from(bytes).toString('base64') };
}

interface ReadUpTo {
  chunks: Uint8Array[];
  size: number;
  /** Set when the body passed the cap: the reader, positioned after `chunks`. */
  rest: ReadableStreamDefaultReader<Uint8Array> | undefined;
}

async function readUpTo(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<ReadUpTo> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { chunks, size, rest: undefined };
    chunks.push(value);
    size += value.byteLength;
    if (size > maxBytes) return { chunks, size, rest: reader };
  }
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** `chunks`, then whatever `rest` still gives; pulled on demand, so the client's pace is the upstream's. */
function prepended(chunks: Uint8Array[], rest: ReadableStreamDefaultReader<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = chunks.shift();
      if (next) return controller.enqueue(next);
      const { done, value } = await rest.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return rest.cancel(reason);
    },
  });
}

function replay(stored: StoredResponse): Response {
  const headers = new Headers(stored.headers);
  headers.set(REPLAYED_HEADER, 'true');
  const body = stored.body ? Buffer.from(stored.body, 'base64') : null;
  return new Response(body, { status: stored.status, headers });
}
