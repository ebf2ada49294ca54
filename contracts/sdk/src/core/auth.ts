import { ConcordAbortError, apiErrorFor, toProblem } from './errors.ts';
import type { AttemptLimits, HttpEngine } from './http-engine.ts';

/** Where the SDK gets its bearer token from. */
export interface AccessTokenProvider {
  getToken(signal?: AbortSignal): Promise<string>;
  /** The API refused `token` (401): forget it so the next call gets a new one. */
  invalidate(token: string): void;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  /** Scopes to ask for; the partner's granted scopes when omitted. */
  scope?: string | string[];
  /** The token endpoint; default `<baseUrl>/oauth/token`. */
  tokenUrl?: string;
  /**
   * How the client authenticates at the token endpoint (RFC 6749 section 2.3.1): HTTP Basic
   * (`basic`, which every server must support) or `client_id`/`client_secret` in the form body.
   * Default `basic`.
   */
  clientAuthentication?: 'basic' | 'body';
  /** Refresh this long before expiry (capped at a fifth of the token's lifetime). Default 60000. */
  refreshMarginMs?: number;
}

interface CachedToken {
  value: string;
  /** Epoch ms after which the token is not used. */
  expiresAt: number;
  /** Epoch ms after which a new token is fetched in the background. */
  refreshAt: number;
}

/** A token this close to expiry is not sent: it could expire on its way to the gateway. */
const EXPIRY_SAFETY_MS = 5_000;

/**
 * OAuth 2.0 client credentials (RFC 6749 section 4.4). The token is cached and refreshed before it
 * expires; however many calls need a token at once, only one token request is in flight.
 */
export class ClientCredentialsTokenProvider implements AccessTokenProvider {
  private token: CachedToken | undefined;
  private inflight: Promise<CachedToken> | undefined;
  private readonly tokenUrl: string;

  constructor(
    private readonly credentials: ClientCredentials,
    baseUrl: string,
    private readonly engine: HttpEngine,
    private readonly limits: () => AttemptLimits,
    private readonly now: () => number,
  ) {
    if (!credentials.clientId || !credentials.clientSecret) throw new TypeError('clientCredentials needs a clientId and a clientSecret');
    this.tokenUrl = credentials.tokenUrl ?? new URL('/oauth/token', baseUrl).href;
  }

  async getToken(signal?: AbortSignal): Promise<string> {
    const now = this.now();
    const token = this.token;
    if (token && now < token.expiresAt) {
      if (now >= token.refreshAt) this.refresh().catch(() => {}); // the current token still serves meanwhile
      return token.value;
    }
    const fresh = await raceAbort(this.refresh(), signal);
    return fresh.value;
  }

  invalidate(token: string): void {
    if (this.token?.value === token) this.token = undefined;
  }

  /** One token request at a time: every caller during a refresh waits for the same answer. */
  private refresh(): Promise<CachedToken> {
    this.inflight ??= this.requestToken().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async requestToken(): Promise<CachedToken> {
    const { clientId, clientSecret, scope, clientAuthentication = 'basic' } = this.credentials;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope !== undefined) form.set('scope', Array.isArray(scope) ? scope.join(' ') : scope);
    const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' });
    if (clientAuthentication === 'basic') {
      // RFC 6749 section 2.3.1: id and secret are form-urlencoded before they are joined and encoded.
      headers.set('authorization', `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`);
    } else {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    }
    const requestedAt = this.now();
    // The token request is safe to repeat, so it is retried like a GET; it is not cancelled by the
    // call that happened to start it, because other calls may be waiting for it too.
    const { signal: _callerSignal, ...limits } = this.limits();
    const response = await this.engine.send(
      { operation: 'oauth.token', method: 'POST', url: this.tokenUrl, headers, body: form.toString(), retryable: true },
      limits,
    );
    const body = response.body as { access_token?: unknown; token_type?: unknown; expires_in?: unknown } | undefined;
    if (
      !body ||
      typeof body.access_token !== 'string' ||
      (typeof body.token_type === 'string' && body.token_type.toLowerCase() !== 'bearer')
    ) {
      throw apiErrorFor({
        status: 502,
        problem: toProblem(502, 'Invalid token response', 'The token endpoint answered without a bearer access_token'),
        headers: response.headers,
        operation: 'oauth.token',
      });
    }
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300) * 1000;
    const margin = Math.min(this.credentials.refreshMarginMs ?? 60_000, lifetimeMs / 5);
    const expiresAt = requestedAt + lifetimeMs - Math.min(EXPIRY_SAFETY_MS, lifetimeMs / 10);
    this.token = { value: body.access_token, expiresAt, refreshAt: requestedAt + lifetimeMs - margin };
    return this.token;
  }
}

/** A fixed token, or a function the partner's own identity provider integration supplies. */
export class StaticTokenProvider implements AccessTokenProvider {
  constructor(private readonly source: string | (() => string | Promise<string>)) {}
  async getToken(): Promise<string> {
    return typeof this.source === 'string' ? this.source : await this.source();
  }
  invalidate(): void {}
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  const aborted = () => new ConcordAbortError('oauth.token', { cause: signal.reason });
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
