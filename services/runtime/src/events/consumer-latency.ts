import { Histogram, type Registry } from 'prom-client';

export const CONSUMER_LATENCY_METRIC = 'concord_consumer_event_latency_seconds';

/**
 * Seconds from an event's CloudEvents `time` to an internal consumer having applied it. Seconds to
 * hours: a consumer that was down, or a bus outage, shows as the long tail rather than off the scale.
 */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200];

export interface ConsumerLatency {
  /** `eventTime` is the envelope's `time` as written by the publisher; `processedAt` when the effect committed. */
  observe(consumer: string, eventType: string, eventTime: string, processedAt: Date): void;
}

/** The histogram on the service's own registry (never the global one); idempotent per registry. */
export function consumerLatency(registry: Registry): ConsumerLatency {
  const histogram =
    (registry.getSingleMetric(CONSUMER_LATENCY_METRIC) as Histogram<'consumer' | 'event_type'> | undefined) ??
    new Histogram({
      name: CONSUMER_LATENCY_METRIC,
      help: "Seconds from the event's CloudEvents time to an internal consumer having processed it",
      labelNames: ['consumer', 'event_type'] as const,
      buckets: BUCKETS,
      registers: [registry],
    });
  return {
    observe(consumer, eventType, eventTime, processedAt) {
      const sentAt = Date.parse(eventTime);
      if (Number.isNaN(sentAt)) return;
      // A publisher whose clock runs ahead of ours would give a negative latency: it counts as zero.
      histogram.observe({ consumer, event_type: eventType }, Math.max(0, (processedAt.getTime() - sentAt) / 1000));
    },
  };
}
