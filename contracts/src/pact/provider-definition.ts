/**
 * Pact's state handlers: `setup` (its result's values are injected where the pact uses
 * fromProviderState) and `teardown`, each given the state's parameters.
 */
export type StateFunc = (params?: Record<string, unknown>) => Promise<Record<string, unknown> | undefined>;
export type StateHandlers = Record<string, StateFunc | { setup?: StateFunc; teardown?: StateFunc }>;

/** A message provider: returns the message (a CloudEvent) the real producer builds for the interaction. */
export type MessageProducer = (descriptor: unknown) => Promise<unknown>;

export interface StartedProvider {
  /** Where the HTTP interactions are replayed; absent for a provider that only publishes events. */
  baseUrl?: string;
  stateHandlers: StateHandlers;
  /** By interaction description (Pact's convention): `an order.cancelled event`. */
  messageProviders?: Record<string, MessageProducer>;
  /** Headers every replayed request carries (a partner token for the gateway). */
  requestHeaders?: () => Record<string, string>;
  close(): Promise<void>;
}

export interface ProviderStartOptions {
  /**
   * A provider variant for tests of the verification itself: drop this top-level JSON field from
   * every response of the service (and from each item of a `data` list), as a provider that
   * stopped sending it would.
   */
  dropResponseField?: string;
}

export interface ProviderDefinition {
  /** The provider name in the pact files. */
  name: string;
  start(options?: ProviderStartOptions): Promise<StartedProvider>;
}

/** The event descriptions the message consumers use, one per event type. */
export function eventDescription(type: string): string {
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type} event`;
}
