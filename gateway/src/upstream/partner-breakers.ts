import {
  type CircuitBreaker,
  type CircuitMemory,
  type CircuitState,
  createCircuitBreaker,
  type FailureKind,
  type TripRule,
} from './circuit-breaker.ts';
import type { CircuitBreakerSettings } from './resilience-settings.ts';

/**
 * The breakers of one upstream with per-partner accounting (in the spirit of Envoy's outlier
 * detection and Resilience4j's per-key breakers): a 5xx the upstream answers to one partner's input
 * must not stop every partner's calls.
 *
 * - Each partner has its own breaker, fed only by the failure statuses its own calls got: past the
 *   threshold, that partner alone gets 503 circuit-open.
 * - The upstream-wide breaker refuses everyone. It counts every call by caller and opens when
 *   connect errors and timeouts alone reach the threshold over all calls (no answer at all: the
 *   upstream itself is unwell, whoever asked), or when failures are not confined to one partner: over
 *   the calls of everyone but the partner with the most failures, the failure share still
 *   reaches the threshold (with at least `minimumCalls` of them). When only one caller called in the
 *   window there is nobody to compare with: its calls are judged as everyone's, as without per-partner
 *   accounting (a gateway serving public operations only has one caller).
 * - When the upstream-wide breaker opens, the partner breakers are reset: their failures were the
 *   upstream's. Only the upstream-wide breaker is probed (recovery-probe.ts); a health check says
 *   nothing about one partner's input.
 *
 * Callers are partners known to the config (bounded) plus one key, OTHER_CALLERS, for everyone else
 * (anonymous calls to public operations, clients of an external identity provider not listed).
 */
export const OTHER_CALLERS = '(others)';

export type BreakerScope = 'upstream' | 'partner';

/** Which breakers granted a call, and whether as a trial; settle it exactly once. */
export interface BreakerTicket {
  caller: string;
  upstreamTrial: boolean;
  partnerTrial: boolean;
}

export type BreakerAdmission = { allowed: true; ticket: BreakerTicket } | { allowed: false; scope: BreakerScope; retryAfterMs: number };

export interface PartnerBreakers {
  readonly upstream: CircuitBreaker;
  partner(caller: string): CircuitBreaker;
  admit(caller: string): BreakerAdmission;
  succeeded(ticket: BreakerTicket): void;
  failed(ticket: BreakerTicket, kind: FailureKind): void;
  /** The call ended without telling anything about the upstream (the client went away). */
  ignored(ticket: BreakerTicket): void;
  /** Whether a call by `caller` would be refused now (a retry is not worth waiting for). */
  refuses(caller: string): boolean;
}

export interface PartnerBreakersOptions {
  upstream: string;
  settings: CircuitBreakerSettings;
  now: () => number;
  onStateChange?: (scope: BreakerScope, state: CircuitState, caller: string | undefined) => void;
  /**
   * The upstream-wide breaker's memory across builds. Partners' breakers start closed in a new build:
   * one remembered open could outlive the upstream-wide opening that would have reset it.
   */
  upstreamMemory?: CircuitMemory;
}

/** The upstream-wide rule: no answers at all, or failures beyond the one partner with the most. */
export const failuresNotConfinedToOnePartner: TripRule = (callers, settings) => {
  let calls = 0;
  let transport = 0;
  let status = 0;
  let worst: { calls: number; statusFailures: number; transportFailures: number } | undefined;
  for (const c of callers.values()) {
    calls += c.calls;
    transport += c.transportFailures;
    status += c.statusFailures;
    if (!worst || c.statusFailures + c.transportFailures > worst.statusFailures + worst.transportFailures) worst = c;
  }
  const { minimumCalls, failureRateThreshold } = settings;
  if (calls < minimumCalls) return false;
  if (transport / calls >= failureRateThreshold) return true;
  if (callers.size === 1) return (transport + status) / calls >= failureRateThreshold;
  const restCalls = calls - worst!.calls;
  const restFailures = transport + status - worst!.statusFailures - worst!.transportFailures;
  return restCalls >= minimumCalls && restFailures / restCalls >= failureRateThreshold;
};

/** A partner's own rule: the share of its calls that got a failure status. */
const partnerFailureRate: TripRule = (callers, settings) => {
  let calls = 0;
  let status = 0;
  for (const c of callers.values()) {
    calls += c.calls;
    status += c.statusFailures;
  }
  return calls >= settings.minimumCalls && status / calls >= settings.failureRateThreshold;
};

export function createPartnerBreakers(options: PartnerBreakersOptions): PartnerBreakers {
  const { upstream: name, settings, now } = options;
  const onStateChange = options.onStateChange ?? (() => {});
  const partners = new Map<string, CircuitBreaker>();

  const upstream = createCircuitBreaker({
    name,
    settings,
    now,
    trips: failuresNotConfinedToOnePartner,
    ...(options.upstreamMemory ? { memory: options.upstreamMemory } : {}),
    onStateChange: (state) => {
      if (state === 'open') for (const breaker of partners.values()) breaker.reset();
      onStateChange('upstream', state, undefined);
    },
  });

  const partner = (caller: string): CircuitBreaker => {
    let breaker = partners.get(caller);
    if (!breaker) {
      breaker = createCircuitBreaker({
        name,
        settings,
        now,
        trips: partnerFailureRate,
        onStateChange: (state) => onStateChange('partner', state, caller),
      });
      partners.set(caller, breaker);
    }
    return breaker;
  };

  return {
    upstream,
    partner,
    admit(caller) {
      const wide = upstream.admit();
      if (!wide.allowed) return { allowed: false, scope: 'upstream', retryAfterMs: wide.retryAfterMs };
      const own = partner(caller).admit();
      if (!own.allowed) {
        upstream.onIgnored(wide.trial);
        return { allowed: false, scope: 'partner', retryAfterMs: own.retryAfterMs };
      }
      return { allowed: true, ticket: { caller, upstreamTrial: wide.trial, partnerTrial: own.trial } };
    },
    succeeded({ caller, upstreamTrial, partnerTrial }) {
      upstream.onSuccess(upstreamTrial, caller);
      partner(caller).onSuccess(partnerTrial, caller);
    },
    failed({ caller, upstreamTrial, partnerTrial }, kind) {
      // The upstream first: if this failure opens it, the partner breakers are reset and this
      // failure is not held against the partner.
      upstream.onFailure(upstreamTrial, caller, kind);
      const own = partner(caller);
      if (kind === 'transport' || upstream.state === 'open') own.onIgnored(partnerTrial);
      else own.onFailure(partnerTrial, caller, kind);
    },
    ignored({ caller, upstreamTrial, partnerTrial }) {
      upstream.onIgnored(upstreamTrial);
      partner(caller).onIgnored(partnerTrial);
    },
    refuses(caller) {
      return upstream.state === 'open' || partners.get(caller)?.state === 'open';
    },
  };
}
