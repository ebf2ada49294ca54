import { ClientCredentialsTokenProvider, StaticTokenProvider, type AccessTokenProvider, type ClientCredentials } from './core/auth.ts';
import type { Hooks } from './core/hooks.ts';
import { HttpEngine, defaultSleep, type EngineRuntime } from './core/http-engine.ts';
import { resolveRetryOptions, type RetryOptions } from './core/retry.ts';
import { Transport } from './core/transport.ts';
import { createApis, type ConcordApis } from './generated/index.ts';
import { SDK_VERSION } from './version.ts';

export interface ConcordClientOptions {
  /** The gateway, e.g. `https://api.concord.example` or `http://localhost:8080`. */
  baseUrl: string;
  /** OAuth 2.0 client credentials: the SDK fetches, caches and refreshes the token. */
  clientCredentials?: ClientCredentials;
  /** Or a token you obtain yourself (a string, or a function called before each request). */
  accessToken?: string | (() => string | Promise<string>);
  /** How long one attempt may take, in ms. Default 30000. */
  timeoutMs?: number;
  /** How long a call may take with its retries and waits, in ms. Default 120000. */
  deadlineMs?: number;
  retry?: RetryOptions;
  hooks?: Hooks;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** The fetch to use; the global one by default. */
  fetch?: typeof globalThis.fetch;
  /** For tests: the jitter source (uniform in [0, 1)), the wait, the clock and the key generator. */
  runtime?: Partial<EngineRuntime> & { randomUUID?: () => string };
}

export type ConcordClient = ConcordApis & {
  /** The token provider the client uses, if any (e.g. to warm the token up at start). */
  readonly auth: AccessTokenProvider | undefined;
};

/**
 * A client for every public Concord API version:
 *
 *   const concord = createConcordClient({ baseUrl, clientCredentials: { clientId, clientSecret } });
 *   const customer = await concord.customersV2.getCustomer({ customerId: 'cus_4f9a2b7c1d8e' });
 */
export function createConcordClient(options: ConcordClientOptions): ConcordClient {
  if (!options.baseUrl || !/^https?:\/\//.test(options.baseUrl))
    throw new TypeError(`baseUrl must be an http(s) URL, not ${JSON.stringify(options.baseUrl)}`);
  if (options.clientCredentials && options.accessToken !== undefined)
    throw new TypeError('pass clientCredentials or accessToken, not both');
  const runtime: EngineRuntime = {
    fetch: options.runtime?.fetch ?? options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    random: options.runtime?.random ?? Math.random,
    now: options.runtime?.now ?? Date.now,
    sleep: options.runtime?.sleep ?? defaultSleep,
  };
  const retry = resolveRetryOptions(options.retry);
  const engine = new HttpEngine(runtime, options.hooks ?? {});
  const timeoutMs = positive('timeoutMs', options.timeoutMs ?? 30_000);
  const deadlineMs = positive('deadlineMs', options.deadlineMs ?? 120_000);

  let auth: AccessTokenProvider | undefined;
  if (options.clientCredentials) {
    auth = new ClientCredentialsTokenProvider(
      options.clientCredentials,
      options.baseUrl,
      engine,
      () => ({ retry, timeoutMs, deadlineMs }),
      runtime.now,
    );
  } else if (options.accessToken !== undefined) {
    auth = new StaticTokenProvider(options.accessToken);
  }

  const transport = new Transport(engine, {
    baseUrl: options.baseUrl,
    timeoutMs,
    deadlineMs,
    retry,
    headers: { 'user-agent': `concord-partner-sdk/${SDK_VERSION}`, ...options.headers },
    auth,
    randomUUID: options.runtime?.randomUUID ?? (() => globalThis.crypto.randomUUID()),
  });
  return { ...createApis(transport), auth };
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of milliseconds, not ${value}`);
  return value;
}
