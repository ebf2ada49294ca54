import { z } from 'zod';

/**
 * The resilience and observability settings of gateway.config.yaml: retries, circuit breakers,
 * idempotency, logging and metrics. Owned by the resilience work (issue 6); starts empty so the core
 * config can include it.
 */
export const resilienceConfigSchema = z.object({}).strict();
export const observabilityConfigSchema = z.object({}).strict();

export type ResilienceConfig = z.infer<typeof resilienceConfigSchema>;
export type ObservabilityConfig = z.infer<typeof observabilityConfigSchema>;
