import { Agent, request } from 'undici';
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

/**
 * One POST per attempt through a keep-alive undici pool, with a deadline over the whole exchange
 * (headers and body). Redirects are not followed: a 3xx is a failure, as Standard Webhooks says.
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
  return {
    async send(req) {
      const started = now();
      const timestamp = Math.floor(started / 1000);
      const signal = AbortSignal.timeout(options.timeoutMs);
      const result = (partial: Omit<AttemptResult, 'startedAt' | 'durationMs'>): AttemptResult => ({
        ...partial,
        startedAt: new Date(started),
        durationMs: Math.max(0, Math.round(now() - started)),
      });
      // A stored subscription is checked again at every delivery: it may predate the guard, and IP
      // literals never reach the resolver the connect-time check sits in.
      let refused: string | undefined;
      try {
        refused = refusedHost(new URL(req.url), options);
      } catch {
        refused = 'not a valid URL';
      }
      if (refused)
        return result({ outcome: 'network_error', statusCode: null, error: 'refused: private or internal address', retryAfter: null });
      try {
        const res = await request(req.url, {
          method: 'POST',
          dispatcher: agent,
          signal,
          headers: {
            'content-type': 'application/cloudevents+json; charset=utf-8',
            'user-agent': userAgent,
            'webhook-id': req.messageId,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signatureHeader(req.keys, req.messageId, timestamp, req.body),
          },
          body: req.body,
        });
        await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
        const retryAfter = res.headers['retry-after'];
        const status = res.statusCode;
        if (status >= 200 && status < 300) return result({ outcome: 'succeeded', statusCode: status, error: null, retryAfter: null });
        return result({
          outcome: 'failed',
          statusCode: status,
          error: statusCategory(status),
          retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
        });
      } catch (err) {
        if (signal.aborted) return result({ outcome: 'timeout', statusCode: null, error: 'timeout', retryAfter: null });
        return result({ outcome: 'network_error', statusCode: null, error: failureCategory(err), retryAfter: null });
      }
    },
    close: () => agent.close(),
  };
}
