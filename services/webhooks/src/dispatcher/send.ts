import { Agent, request } from 'undici';
import { signatureHeader } from '../signing/standard-webhooks.ts';
import { createPrivateNetworkGuard } from '../subscriptions/private-network.ts';

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
  /** Refuse to connect to private or internal addresses, checked on the resolved address (SSRF). */
  blockPrivateNetworks?: boolean;
}

export interface WebhookSender {
  send(req: WebhookRequest): Promise<AttemptResult>;
  close(): Promise<void>;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  const code = (err as { code?: unknown }).code;
  return `${typeof code === 'string' ? `${code} ` : ''}${err.message}${cause}`.slice(0, 500);
}

/**
 * One POST per attempt through a keep-alive undici pool, with a deadline over the whole exchange
 * (headers and body). Redirects are not followed: a 3xx is a failure, as Standard Webhooks says.
 */
export function createWebhookSender(options: SenderOptions): WebhookSender {
  const connect = options.blockPrivateNetworks
    ? { timeout: options.timeoutMs, lookup: createPrivateNetworkGuard().lookup }
    : { timeout: options.timeoutMs };
  const agent = new Agent({ connections: options.connections, keepAliveTimeout: 30_000, connect });
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
          error: `The endpoint answered ${status}.`,
          retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
        });
      } catch (err) {
        if (signal.aborted)
          return result({ outcome: 'timeout', statusCode: null, error: `No response within ${options.timeoutMs} ms.`, retryAfter: null });
        return result({ outcome: 'network_error', statusCode: null, error: describe(err), retryAfter: null });
      }
    },
    close: () => agent.close(),
  };
}
