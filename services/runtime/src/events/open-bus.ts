import type { EventBus } from './event-bus.ts';
import { createInProcessBus } from './in-process-bus.ts';
import { createNatsBus, type NatsBusOptions } from './nats-bus.ts';

/** NATS JetStream when a URL is given, the in-process bus otherwise: the one place that chooses. */
export function openBus(options: Partial<NatsBusOptions> = {}): Promise<EventBus> {
  if (options.url) return createNatsBus({ ...options, url: options.url });
  return Promise.resolve(createInProcessBus({ ...(options.onHandlerError ? { onHandlerError: options.onHandlerError } : {}) }));
}
