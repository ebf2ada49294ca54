import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import type { SecurityMetrics } from './security-metrics.ts';

/**
 * An identity provider's JWKS, the way jose means it to be used: one createRemoteJWKSet per issuer
 * (single-flight fetch, re-fetch on an unknown `kid` with a cooldown). jose has no serve-stale mode,
 * so the cache never expires on the request path (cacheMaxAge: Infinity) and a background timer
 * reloads it instead: when the provider is down the last good keys keep verifying, with a warning
 * and the `concord_auth_jwks_stale` gauge at 1.
 */
export interface KeySource {
  resolve: JWTVerifyGetKey;
  /** Called when a refresh finds the key set changed (a key may have been removed), so verified tokens are forgotten. */
  onKeysRemoved(listener: () => void): () => void;
  /** Fetch now (start-up warm-up, tests); never throws. */
  refresh(): Promise<boolean>;
  close(): void;
}

export interface RemoteKeySourceOptions {
  url: string;
  refreshIntervalMs: number;
  cooldownMs: number;
  timeoutMs: number;
  fetch: typeof globalThis.fetch;
  logger: Logger;
  metrics: SecurityMetrics;
}

export function createRemoteKeySource(options: RemoteKeySourceOptions): KeySource {
  const jwks = createRemoteJWKSet(new URL(options.url), {
    timeoutDuration: options.timeoutMs,
    cooldownDuration: options.cooldownMs,
    cacheMaxAge: Infinity,
    [customFetch]: options.fetch,
  });
  const listeners: Array<() => void> = [];
  let knownKids = new Set<string>();
  let stale = false;

  async function refresh(): Promise<boolean> {
    try {
      await jwks.reload();
      const kids = new Set((jwks.jwks()?.keys ?? []).map((key) => key.kid ?? ''));
      // Any change since the last refresh may hide a removal: jose also reloads on an unknown kid,
      // so a key can come and go between two refreshes. Forgetting verified tokens costs one re-verify.
      const removed = kids.size !== knownKids.size || [...knownKids].some((kid) => !kids.has(kid));
      knownKids = kids;
      if (stale) options.logger.info({ jwksUrl: options.url }, 'identity provider reachable again; JWKS refreshed');
      stale = false;
      options.metrics.jwksStale.set(0);
      if (removed) for (const listener of listeners) listener();
      return true;
    } catch (err) {
      options.metrics.jwksRefreshFailures.inc();
      const cached = jwks.jwks() !== undefined;
      if (cached) {
        stale = true;
        options.metrics.jwksStale.set(1);
      }
      options.logger.warn(
        { jwksUrl: options.url, err: err instanceof Error ? err.message : String(err), servingStale: cached },
        cached ? 'JWKS refresh failed; serving the cached keys' : 'JWKS fetch failed and no keys are cached',
      );
      return false;
    }
  }

  const timer = setInterval(() => void refresh(), options.refreshIntervalMs);
  timer.unref();
  void refresh();

  return {
    resolve: jwks,
    onKeysRemoved(listener) {
      listeners.push(listener);
      return () => {
        const index = listeners.indexOf(listener);
        if (index >= 0) listeners.splice(index, 1);
      };
    },
    refresh,
    close: () => clearInterval(timer),
  };
}
