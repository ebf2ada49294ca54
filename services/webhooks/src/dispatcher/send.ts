import { Agent } from 'undici';
import { signatureHeader } from '../signing/standard-webhooks.ts';
import { refusedHost } from '../subscriptions/endpoint-url.ts';
import { createPrivateNetworkGuard, PrivateAddressError } from '../subscriptions/private-network.ts';

export type AttemptOutcome = 'succeeded' | 'failed' | 'timeout' | 'network_error';

export interface AttemptResult {
  outcome: AttemptOutcome;
  statusCode: number | null;
  error: string | null;
  retryAfter: string | null;
  startedAt: Date;
  durationMs: number;
}

export interface WebhookRequest {
  url: string;
  messageId: string;
  body: string;
  /** Signing keys, the newest first. */
  keys: readonly Buffer[];
}

export interface SenderOptions {
  timeoutMs: number;
  /** Connections per endpoint origin. */
  connections: number;
  userAgent?: string;
  now?: () => number;
  /** Refuse private or internal addresses: literal ones before connecting, names on every resolved address (SSRF). */
  blockPrivateNetworks?: boolean;
  /** Hosts refused whatever they resolve to (the platform's own). */
  blockedHosts?: readonly string[];
}

export interface WebhookSender {
  send(req: WebhookRequest): Promise<AttemptResult>;
  close(): Promise<void>;
}

/**
 * What went wrong, as a category a partner can act on: never an address, a port or a system error
 * message, which would make the attempts API an oracle for scanning the platform's network.
 */
export function failureCategory(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = String((current as { code?: unknown }).code ?? '');
    if (current instanceof PrivateAddressError) return 'refused: private or internal address';
    if (code === 'ECONNREFUSED') return 'connection refused';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'DNS error';
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return 'connection reset';
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return 'timeout';
    if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/.test(code)) return 'TLS error';
    current = current.cause;
  }
  return 'network error';
}

function statusCategory(status: number): string {
  if (status >= 300 && status < 400) return `HTTP ${status} (redirects are not followed)`;
  return `HTTP ${Math.floor(status / 100)}xx`;
}

/** A response body is read up to this much and no further (the answer is the status). */
const BODY_LIMIT = 64 * 1024;
/** Parsed endpoints kept; a fleet with more distinct URLs just parses some again. */
const ENDPOINT_CACHE = 10_000;

interface Endpoint {
  origin: string;
  path: string;
  /** Why a delivery there is refused (SSRF), or undefined. */
  refused: string | undefined;
}

type Settle = (partial: Omit<AttemptResult, 'startedAt' | 'durationMs'>) => void;

/**
 * One attempt as an undici dispatch handler: the status is all that is needed, so the body is
 * counted and dropped as it arrives (no stream, no promise per chunk), and the deadline is one
 * timer over the whole exchange that aborts the request wherever it is.
 */
class AttemptHandler {
  #abort: ((err: Error) => void) | undefined;
  #timer: NodeJS.Timeout;
  #settle: Settle | undefined;
  #timedOut = false;
  #status = 0;
  #retryAfter: string | null = null;
  #received = 0;

  constructor(settle: Settle, timeoutMs: number) {
    this.#settle = settle;
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#finish({ outcome: 'timeout', statusCode: null, error: 'timeout', retryAfter: null });
      this.#abort?.(new Error('timeout'));
    }, timeoutMs);
  }

  onConnect(abort: (err: Error) => void): void {
    this.#abort = abort;
    // Queued in the pool past the deadline: it must not go out now.
    if (this.#timedOut) abort(new Error('timeout'));
  }

  onHeaders(status: number, rawHeaders: Buffer[]): boolean {
    this.#status = status;
    if (status < 200 || status >= 300) {
      for (let i = 0; i < rawHeaders.length; i += 2)
        if (rawHeaders[i]!.toString('latin1').toLowerCase() === 'retry-after') this.#retryAfter = rawHeaders[i + 1]!.toString('latin1');
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.#received += chunk.length;
    if (this.#received <= BODY_LIMIT) return true;
    // Whoever answers with more than this has answered already: take the status, drop the rest.
    this.#answered();
    this.#abort?.(new Error('response body over the limit'));
    return false;
  }

  onComplete(): void {
    this.#answered();
  }

  onError(err: Error): void {
    this.#finish({ outcome: 'network_error', statusCode: null, error: failureCategory(err), retryAfter: null });
  }

  #answered(): void {
    const status = this.#status;
    if (status >= 200 && status < 300) this.#finish({ outcome: 'succeeded', statusCode: status, error: null, retryAfter: null });
    else this.#finish({ outcome: 'failed', statusCode: status, error: statusCategory(status), retryAfter: this.#retryAfter });
  }

  #finish(partial: Parameters<Settle>[0]): void {
    const settle = this.#settle;
    if (!settle) return;
    this.#settle = undefined;
    clearTimeout(this.#timer);
    settle(partial);
  }
}

/**
 * One POST per attempt through a keep-alive undici pool, with a deadline over the whole exchange
 * (connect, headers and body). Redirects are not followed: a 3xx is a failure, as Standard Webhooks
 * says. Sent with undici's dispatch API rather than `request()`: at thousands of deliveries a
 * second, a body stream and an AbortSignal per attempt were most of the sender's cost.
 */
export function createWebhookSender(options: SenderOptions): WebhookSender {
  const connect = options.blockPrivateNetworks
    ? { timeout: options.timeoutMs, lookup: createPrivateNetworkGuard().lookup }
    : { timeout: options.timeoutMs };
  // Servers often advertise a short keep-alive (`Keep-Alive: timeout=1`, a value Node servers are
  // commonly given): undici's default margin of 2 s under the server's word would leave no time to
  // reuse a connection, and every delivery would open a new one. Half a second is margin enough.
  const agent = new Agent({ connections: options.connections, keepAliveTimeout: 30_000, keepAliveTimeoutThreshold: 500, connect });
  const now = options.now ?? Date.now;
  const userAgent = options.userAgent ?? 'Concord-Webhooks/1.0';
  // A stored subscription is checked again at every delivery (it may predate the guard, and IP
  // literals never reach the resolver the connect-time check sits in); the check depends on the
  // URL alone, so its answer is kept with the parsed URL.
  const endpoints = new Map<string, Endpoint>();
  function endpoint(raw: string): Endpoint {
    let found = endpoints.get(raw);
    if (found) return found;
    try {
      const url = new URL(raw);
      found = { origin: url.origin, path: `${url.pathname}${url.search}`, refused: refusedHost(url, options) };
    } catch {
      found = { origin: '', path: '', refused: 'not a valid URL' };
    }
    if (endpoints.size >= ENDPOINT_CACHE) endpoints.clear();
    endpoints.set(raw, found);
    return found;
  }
  return {
    send(req) {
      const started = now();
      const timestamp = Math.floor(started / 1000);
      return new Promise<AttemptResult>((resolve) => {
        const settle: Settle = (partial) =>
          resolve({ ...partial, startedAt: new Date(started), durationMs: Math.max(0, Math.round(now() - started)) });
        const target = endpoint(req.url);
        if (target.refused) {
          settle({ outcome: 'network_error', statusCode: null, error: 'refused: private or internal address', retryAfter: null });
          return;
        }
        agent.dispatch(
          {
            origin: target.origin,
            path: target.path,
            method: 'POST',
            headers: [
              'content-type',
              'application/cloudevents+json; charset=utf-8',
              'user-agent',
              userAgent,
              'webhook-id',
              req.messageId,
              'webhook-timestamp',
              String(timestamp),
              'webhook-signature',
              signatureHeader(req.keys, req.messageId, timestamp, req.body),
            ],
            body: req.body,
          },
          new AttemptHandler(settle, options.timeoutMs),
        );
      });
    },
    close: () => agent.close(),
  };
}
