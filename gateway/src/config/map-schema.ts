import { z } from 'zod';

/** A health threshold: a value above `amber` turns the edge amber, above `red` red; either may be left out. */
const threshold = (amber: number | undefined, red: number | undefined, what: string) =>
  z
    .object({ amber: z.number().min(0).optional(), red: z.number().min(0).optional() })
    .strict()
    .default({ ...(amber === undefined ? {} : { amber }), ...(red === undefined ? {} : { red }) })
    .describe(`${what}: above amber the edge is amber, above red it is red`);

/**
 * `observability.map`: the live integration map on the operator surface (/map, /map.html) and the
 * thresholds that colour its edges. Rates are over `windowSeconds`, from samples the gateway keeps
 * itself every `sampleIntervalSeconds` (no Prometheus server needed).
 */
export const mapConfigSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Serve /map and /map.html where /metrics is served'),
    windowSeconds: z.number().int().min(10).default(300).describe('The window rates, error rates and p99 are computed over'),
    sampleIntervalSeconds: z.number().int().min(1).default(10).describe('How often the gateway samples its own and the services’ metrics'),
    scrapeTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(3000)
      // Above the services' own probe deadline (1 s), which their /metrics waits out while the bus or database is down.
      .describe("A service's /metrics that does not answer in time is reported unreachable"),
    scrapeCacheMs: z.number().int().min(0).default(3000).describe('How long one scrape of the services is reused'),
    thresholds: z
      .object({
        errorRatePercent: threshold(1, 5, 'Share of 5xx answers over the window, in percent'),
        p99Seconds: threshold(1, 5, 'p99 latency over the window'),
        outboxBacklog: threshold(100, 1000, 'Events in a service outbox not yet published'),
        outboxOldestAgeSeconds: threshold(10, 60, 'Age of the oldest unpublished outbox event'),
        consumerPending: threshold(100, 1000, 'Messages waiting for a consumer on the bus (JetStream num_pending)'),
        deadLetterDepth: threshold(undefined, 0, 'Messages in a webhook dead-letter queue'),
        deliveryLatencyP99Seconds: threshold(30, 300, 'p99 from the event time to its delivery (webhooks and consumers)'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type MapConfig = z.infer<typeof mapConfigSchema>;
export type MapThresholds = MapConfig['thresholds'];
