/**
 * An OAuth 2.0 client-credentials token (RFC 6749 section 4.4) the gateway holds for one upstream.
 * Cached until shortly before it expires; the next one is fetched in the background while the
 * current one still serves, and only one fetch is ever in flight, however many requests wait for
 * it. A fetch that fails is remembered for a moment so that an unreachable token endpoint is not
 * called by every request; requests that have no valid token meanwhile get 502 upstream-auth-failed.
 */
import { Agent, type Dispatcher } from 'undici';
import { GatewayError } from '../errors.ts';

export interface ClientCredentialsTokenOptions {
  /** The upstream's name, for messages. */
  upstream: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scopes: readonly string[];
  audience?: string | undefined;
  /** client_secret_basic or client_secret_post. */
  clientAuthentication: 'basic' | 'post';
  refreshBeforeExpirySeconds: number;
  timeoutMs: number;
  /** Epoch milliseconds; injected so tests can move time. */
  now?: () => number;
  /** Where token requests go; a private Agent (closed by close()) when absent. */
  dispatcher?: Dispatcher;
  /** A background refresh failed; the current token keeps serving until it expires. */
  onRefreshFailed?: (err: GatewayError) => void;
}

export interface ClientCredentialsToken {
  /** A valid access token: the cached one (synchronously), or the one being fetched. Throws GatewayError UPSTREAM_AUTH_FAILED. */
  get(): string | Promise<string>;
  /** The upstream refused this token (401): it is dropped, and the next request fetches another. */
  invalidate(token: string): void;
  close(): Promise<void>;
}

interface CachedToken {
  token: string;
  expiresAt: number;
  refreshAt: number;
}

/** RFC 6749 makes expires_in optional; a token without one is treated as living this long. */
const DEFAULT_LIFETIME_SECONDS = 300;
/** After a failed fetch, requests without a valid token fail at once for this long. */
const FAILURE_COOLDOWN_MS = 1_000;
/** An answer larger than this is not a token response. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** RFC 6749 section 2.3.1: client id and secret are form-urlencoded before Basic encoding. */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

export function createClientCredentialsToken(options: ClientCredentialsTokenOptions): ClientCredentialsToken {
  const now = options.now ?? Date.now;
  const ownAgent = options.dispatcher ? undefined : new Agent({ connections: 2 });
  const dispatcher = options.dispatcher ?? ownAgent!;
  const url = new URL(options.tokenUrl);
  const name = options.upstream;

  let current: CachedToken | undefined;
  let inflight: Promise<CachedToken> | undefined;
  let failure: { error: GatewayError; until: number } | undefined;

  const failed = (detail: string, internal: string): GatewayError =>
    // The cause is a plain Error on purpose: a network error code in the chain would make the
    // resilient upstream classify this as a connect failure and retry a call that never left.
    new GatewayError('UPSTREAM_AUTH_FAILED', `The gateway could not obtain its credential for the ${name} service: ${detail}.`, {
      cause: new Error(`token request to ${url.origin}${url.pathname} for upstream ${name}: ${internal}`),
    });

  function requestBody(): { body: string; headers: Record<string, string> } {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (options.scopes.length) form.set('scope', options.scopes.join(' '));
    if (options.audience) form.set('audience', options.audience);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (options.clientAuthentication === 'basic') {
      const pair = `${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`;
      headers['authorization'] = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    } else {
      form.set('client_id', options.clientId);
      form.set('client_secret', options.clientSecret);
    }
    return { body: form.toString(), headers };
  }

  async function fetchToken(): Promise<CachedToken> {
    const { body, headers } = requestBody();
    const sentAt = now();
    let status: number;
    let text: string;
    try {
      const res = await dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: 'POST',
        headers,
        body,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      status = res.statusCode;
      const declared = Number(res.headers['content-length'] ?? 0);
      if (declared > MAX_RESPONSE_BYTES) {
        await res.body.dump();
        throw failed(`its token endpoint answered ${status} with ${declared} bytes`, `response of ${declared} bytes`);
      }
      text = await res.body.text();
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      const e = err as { name?: string; code?: string; message?: string };
      if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
        throw failed(`its token endpoint did not answer within ${options.timeoutMs} ms`, `timeout (${e.code ?? e.name})`);
      }
      throw failed('its token endpoint could not be reached', `${e.code ?? e.name}: ${e.message}`);
    }
    let json: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    if (status !== 200) {
      // RFC 6749 section 5.2: `error` is a code such as invalid_client; the description may say more, for the log only.
      const code = typeof json?.['error'] === 'string' ? ` (${json['error']})` : '';
      throw failed(`its token endpoint answered ${status}${code}`, `${status} ${text.slice(0, 500)}`);
    }
    const token = json?.['access_token'];
    const type = json?.['token_type'];
    if (typeof token !== 'string' || token === '' || (type !== undefined && String(type).toLowerCase() !== 'bearer')) {
      throw failed('its token endpoint answered without a bearer access_token', `unexpected token response: ${text.slice(0, 200)}`);
    }
    const expiresIn = Number(json?.['expires_in'] ?? DEFAULT_LIFETIME_SECONDS);
    const lifetimeMs = (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_LIFETIME_SECONDS) * 1000;
    // Measured from when the request was sent: the token's clock started no earlier than that.
    const expiresAt = sentAt + lifetimeMs;
    return { token, expiresAt, refreshAt: expiresAt - Math.min(options.refreshBeforeExpirySeconds * 1000, lifetimeMs / 2) };
  }

  /** The single flight: every caller while a fetch is under way shares it. */
  function fetchOnce(): Promise<CachedToken> {
    inflight ??= fetchToken()
      .then(
        (fresh) => {
          current = fresh;
          failure = undefined;
          return fresh;
        },
        (err: unknown) => {
          const error = err instanceof GatewayError ? err : failed('the token request failed', String(err));
          failure = { error, until: now() + FAILURE_COOLDOWN_MS };
          throw error;
        },
      )
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  }

  return {
    get() {
      const t = now();
      if (current && t < current.refreshAt) return current.token;
      const cooling = failure !== undefined && t < failure.until;
      if (current && t < current.expiresAt) {
        // Still valid: serve it, and fetch its successor in the background.
        if (!inflight && !cooling) fetchOnce().catch((err: GatewayError) => options.onRefreshFailed?.(err));
        return current.token;
      }
      if (inflight) return inflight.then((c) => c.token);
      if (cooling) throw failure!.error;
      return fetchOnce().then((c) => c.token);
    },
    invalidate(token) {
      if (current?.token === token) current = undefined;
    },
    async close() {
      await inflight?.catch(() => undefined);
      await ownAgent?.close();
    },
  };
}
