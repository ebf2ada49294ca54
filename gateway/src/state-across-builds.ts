import type { RateLimiterMemory } from 'rate-limiter-flexible';
import type { GatewayDeps } from './deps.ts';
import type { SigningKeyRing } from './partners/signing-keys.ts';
import type { RememberedCircuit } from './upstream/circuit-breaker.ts';
import type { KeySource } from './policies/authenticate/remote-key-source.ts';
import type { WindowCounts } from './policies/rate-limit/window-counts.ts';

/**
 * What must outlive one build of the gateway. A config reload builds a new gateway with the same
 * deps (main.ts); if the built-in issuer's keys, the in-memory rate-limit counters or the cached
 * JWKS were rebuilt with it, a reload would invalidate every token issued, hand every partner a
 * fresh budget (or, during a Redis outage, forget the counts it continues from), forget the
 * keys it serves stale during an identity provider outage, and close every open circuit breaker,
 * sending traffic straight back to an upstream that is down. So they are kept per deps object: a
 * test's fresh deps get fresh state; a process's reloads share it.
 */
export interface StateAcrossBuilds {
  /** By signing algorithm. */
  keyRings: Map<string, SigningKeyRing>;
  /** By policy name, limit and key prefix. */
  memoryLimiters: Map<string, RateLimiterMemory>;
  /** The Redis store's last-seen counts and outage counts, by policy (window-counts.ts). */
  windowCounts: Map<string, WindowCounts>;
  /**
   * Open and half-open upstream-wide circuit breakers, by upstream name and URL: a reload that
   * points an upstream elsewhere starts its breaker closed.
   */
  circuits: Map<string, RememberedCircuit>;
  /** By JWKS URL and options; closed when the last build using it closes. */
  keySources: Map<string, { source: KeySource; refs: number }>;
}

const states = new WeakMap<GatewayDeps, StateAcrossBuilds>();

export function stateAcrossBuilds(deps: GatewayDeps): StateAcrossBuilds {
  let state = states.get(deps);
  if (!state) {
    state = { keyRings: new Map(), memoryLimiters: new Map(), windowCounts: new Map(), circuits: new Map(), keySources: new Map() };
    states.set(deps, state);
  }
  return state;
}

/** Takes a reference on a shared key source, creating it on first use; returns the release. */
export function acquireKeySource(
  state: StateAcrossBuilds,
  key: string,
  create: () => KeySource,
): { source: KeySource; release: () => void } {
  let entry = state.keySources.get(key);
  if (!entry) {
    entry = { source: create(), refs: 0 };
    state.keySources.set(key, entry);
  }
  entry.refs++;
  const held = entry;
  let released = false;
  return {
    source: held.source,
    release() {
      if (released) return;
      released = true;
      if (--held.refs === 0) {
        held.source.close();
        state.keySources.delete(key);
      }
    },
  };
}
